import type { DataSource } from 'typeorm'
import type { Config } from '../config.js'
import { openDatabase } from '../db/data-source.js'
import { noticeCommit } from '../db/change-notice.js'
import { SessionLock } from '../db/outage.js'
import type { Logger } from '../logger.js'
import { openLog } from '../log/open-log.js'
import { projectionDigest } from './digest.js'
import { openJournalReader } from './journal-reader.js'
import { decodeBatch, projectDecodedBatch, type ProjectorTopics } from './projector.js'
import type { ProjectionSettings } from './apply.js'
import { journalEpochClose } from './journal.js'
import { closeFinalEpochs } from './projections/epochs.js'

export interface ReplayResult {
  schema: string
  liveDigest: string
  replayDigest: string
  batches: number
  records: number
  /** Rebuilding the projection from the log. */
  rebuildSeconds: number
  /** Computing both digests, after the rebuild. */
  digestSeconds: number
  switched: boolean
}

interface JournalEntry {
  kind: 'batch' | 'close-epochs'
  topic: string
  partition: number
  first: bigint
  last: bigint
}

/**
 * Rebuilds the projection from the log into a fresh schema, then (if asked) switches it in for `public`.
 * The log's partitions are separate streams; the journal says in which interleaving the live projector applied
 * them, and the replay follows it batch for batch through the same code, so it reproduces the same state. The
 * projector must be stopped meanwhile: replay takes the lock the projector holds while it runs.
 */
export async function replayProjection(options: {
  config: Config
  logger: Logger
  topics: ProjectorTopics
  settings: ProjectionSettings
  switchOver: boolean
}): Promise<ReplayResult> {
  const { config, logger, topics, settings } = options
  const group = config.projectorGroup
  const live = await openDatabase(config.dbUrl)
  const guard = live.createQueryRunner()
  try {
    const [{ free }] = await guard.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS free', [PROJECTOR_LOCK_CLASS, group])
    if (!free) throw new Error(`the projector of group ${group} is running: stop it before replaying`)
    const journal = await readJournal(live, group)
    const schema = `replay_${Date.now()}`
    await live.query(`CREATE SCHEMA "${schema}"`)
    const rebuilt = await openDatabase(config.dbUrl, { schema })
    const log = openLog(config, live, logger)
    const started = performance.now()
    const reader = await openJournalReader(log, `${schema}-reader`, journal.filter((e) => e.kind === 'batch'))
    try {
      let records = 0
      // As live (src/project/apply-ahead.ts): the next batch is read and decoded while the previous is written.
      let applying: Promise<unknown> = Promise.resolve()
      for (const entry of journal) {
        if (entry.kind === 'close-epochs') {
          await applying
          await rebuilt.transaction(async (em) => {
            await closeFinalEpochs(em, Number(entry.first), settings.epochBlocks)
            await journalEpochClose(em, group, Number(entry.first))
          })
          continue
        }
        const batch = { topic: entry.topic, partition: entry.partition, records: await reader.take(entry) }
        records += batch.records.length
        const decoded = decodeBatch(topics, batch)
        await applying
        applying = projectDecodedBatch({ db: rebuilt, group, topics, settings, logger }, batch, decoded)
        applying.catch(() => {}) // awaited (and thrown) before the next batch, not left unhandled meanwhile
      }
      await applying
      const rebuildSeconds = (performance.now() - started) / 1000
      const [liveDigest, replayDigest] = (await Promise.all([projectionDigest(live), projectionDigest(rebuilt)])).map((d) => d.digest)
      const digestSeconds = (performance.now() - started) / 1000 - rebuildSeconds
      logger.info({ schema, liveDigest, replayDigest, batches: journal.length, records, rebuildSeconds, digestSeconds }, 'replay done')
      if (options.switchOver) await switchSchemas(live, schema, group)
      return { schema, liveDigest, replayDigest, batches: journal.length, records, rebuildSeconds, digestSeconds, switched: options.switchOver }
    } finally {
      await reader.close()
      await log.close()
      await rebuilt.destroy()
    }
  } finally {
    await guard.query('SELECT pg_advisory_unlock_all()').catch(() => {})
    await guard.release()
    await live.destroy()
  }
}

/** Shared by running projectors (see holdProjectorLock), taken exclusively by a replay. */
export const PROJECTOR_LOCK_CLASS = 0x70726f6a // "proj"

/** How often a running projector checks that it still holds its lock (a database restart drops it). */
const LOCK_CHECK_MS = 2_000

/**
 * Held for as long as a projector runs; several projectors of one group share it. A database restart ends the
 * session holding it: it is taken again as soon as the database answers.
 */
export async function holdProjectorLock(db: DataSource, group: string, logger: Logger): Promise<{ release(): Promise<void> }> {
  const lock = new SessionLock(
    db,
    (runner) => runner.query('SELECT pg_advisory_lock_shared($1, hashtext($2))', [PROJECTOR_LOCK_CLASS, group]).then(() => {}),
    { what: 'holding the projector lock', service: 'projector', logger },
  )
  await lock.held()
  const check = setInterval(() => lock.held().catch((err) => logger.error({ err }, 'taking the projector lock again failed')), LOCK_CHECK_MS)
  check.unref()
  return {
    release: async () => {
      clearInterval(check)
      await lock.release()
    },
  }
}

async function readJournal(db: DataSource, group: string): Promise<JournalEntry[]> {
  const rows: { kind: JournalEntry['kind']; topic: string; partition: number; first: string; last: string }[] = await db.query(
    `SELECT kind, topic, partition, first_offset AS first, last_offset AS last FROM projection_journal
     WHERE group_id = $1 ORDER BY seq`,
    [group],
  )
  return rows.map((r) => ({ kind: r.kind, topic: r.topic, partition: r.partition, first: BigInt(r.first), last: BigInt(r.last) }))
}

/**
 * Tables in the database that are not the projection: the ingesters' cursors and bookkeeping, and the embedded
 * log itself. A switch-over carries them into the new schema untouched.
 */
const NOT_PROJECTION = ['ingest_cursor', 'log_partition', 'log_record', 'usage_record_seen', 'usage_claim', 'usage_pending', 'usage_file_cursor']

/**
 * The rebuilt schema becomes `public`; the old projection is kept, renamed, for inspection or rollback. What the
 * replay did not rebuild comes along: the tables that are not the projection, and the positions other consumers
 * keep in consumer_offset (the raw usage topic's reader): only the replayed group's rows are the replay's.
 */
async function switchSchemas(db: DataSource, schema: string, group: string): Promise<void> {
  await db.transaction(async (em) => {
    for (const table of NOT_PROJECTION) {
      const [{ exists }] = await em.query('SELECT to_regclass($1) IS NOT NULL AS exists', [`public.${table}`])
      if (!exists) continue
      await em.query(`DROP TABLE IF EXISTS "${schema}"."${table}" CASCADE`)
      await em.query(`ALTER TABLE public."${table}" SET SCHEMA "${schema}"`)
    }
    // Locked first, so a consumer cannot move its position in public between the copy and the switch.
    await em.query('LOCK TABLE public.consumer_offset IN EXCLUSIVE MODE')
    await em.query(
      `INSERT INTO "${schema}".consumer_offset (group_id, topic, partition, next_offset)
       SELECT group_id, topic, partition, next_offset FROM public.consumer_offset WHERE group_id <> $1`,
      [group],
    )
    await em.query(`ALTER SCHEMA public RENAME TO "retired_${schema.slice('replay_'.length)}"`)
    await em.query(`ALTER SCHEMA "${schema}" RENAME TO public`)
    await noticeCommit(em, 'public')
  })
}
