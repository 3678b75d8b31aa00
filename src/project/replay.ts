import type { DataSource } from 'typeorm'
import type { Config } from '../config.js'
import { openDatabase } from '../db/data-source.js'
import type { Logger } from '../logger.js'
import type { Log, LogRecord } from '../log/log.js'
import { openLog } from '../log/open-log.js'
import { projectionDigest } from './digest.js'
import { projectPartitionBatch, type ProjectorTopics } from './projector.js'
import type { ProjectionSettings } from './apply.js'
import { journalEpochClose } from './journal.js'
import { closeFinalEpochs } from './projections/epochs.js'

export interface ReplayResult {
  schema: string
  liveDigest: string
  replayDigest: string
  batches: number
  records: number
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
    try {
      const records = await stageLog(live, log, schema, journal, logger)
      for (const entry of journal) {
        if (entry.kind === 'close-epochs') {
          await rebuilt.transaction(async (em) => {
            await closeFinalEpochs(em, Number(entry.first), settings.epochBlocks)
            await journalEpochClose(em, group, Number(entry.first))
          })
          continue
        }
        const batch = await stagedRecords(live, schema, entry)
        await projectPartitionBatch({ db: rebuilt, group, topics, settings, logger }, { topic: entry.topic, partition: entry.partition, records: batch })
      }
      await live.query(`DROP TABLE "${schema}".replay_staging`)
      const [liveDigest, replayDigest] = [(await projectionDigest(live)).digest, (await projectionDigest(rebuilt)).digest]
      logger.info({ schema, liveDigest, replayDigest, batches: journal.length, records }, 'replay done')
      if (options.switchOver) await switchSchemas(live, schema)
      return { schema, liveDigest, replayDigest, batches: journal.length, records, switched: options.switchOver }
    } finally {
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

/** Held for as long as a projector runs; several projectors of one group share it. */
export async function holdProjectorLock(db: DataSource, group: string): Promise<{ release(): Promise<void> }> {
  const runner = db.createQueryRunner()
  await runner.query('SELECT pg_advisory_lock_shared($1, hashtext($2))', [PROJECTOR_LOCK_CLASS, group])
  return { release: () => runner.release() }
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
 * Copies every journaled record from the log into a staging table, reading each partition once from its start
 * (a consumer group of its own), so the journal can then be followed in any order without holding the log in
 * memory.
 */
async function stageLog(db: DataSource, log: Log, schema: string, journal: JournalEntry[], logger: Logger): Promise<number> {
  await db.query(`CREATE TABLE "${schema}".replay_staging (
    topic text NOT NULL, partition integer NOT NULL, "offset" bigint NOT NULL, key text, value bytea, headers jsonb NOT NULL,
    PRIMARY KEY (topic, partition, "offset"))`)
  const ends = new Map<string, bigint>()
  for (const e of journal.filter((j) => j.kind === 'batch')) {
    const key = `${e.topic}/${e.partition}`
    if ((ends.get(key) ?? -1n) < e.last) ends.set(key, e.last)
  }
  if (ends.size === 0) return 0
  const pending = new Set(ends.keys())
  let copied = 0
  let done!: () => void
  const finished = new Promise<void>((resolve) => (done = resolve))
  const consumer = await log.consumer(`${schema}-reader`)
  await consumer.start({
    topics: [...new Set(journal.filter((e) => e.kind === 'batch').map((e) => e.topic))],
    startOffset: async () => 0n,
    handle: async ({ topic, partition, records }) => {
      const end = ends.get(`${topic}/${partition}`)
      const wanted = end == null ? [] : records.filter((r) => r.offset <= end)
      if (wanted.length > 0) {
        await db.query(
          `INSERT INTO "${schema}".replay_staging SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bytea[], $6::jsonb[])
           ON CONFLICT DO NOTHING`,
          [
            wanted.map((r) => r.topic),
            wanted.map((r) => r.partition),
            wanted.map((r) => r.offset.toString()),
            wanted.map((r) => r.key),
            wanted.map((r) => r.value),
            wanted.map((r) => JSON.stringify(r.headers)),
          ],
        )
        copied += wanted.length
      }
      if (end != null && records[records.length - 1].offset >= end && pending.delete(`${topic}/${partition}`) && pending.size === 0) {
        done()
      }
    },
  })
  await finished
  await consumer.close()
  logger.info({ records: copied }, 'log staged for replay')
  return copied
}

async function stagedRecords(db: DataSource, schema: string, entry: JournalEntry): Promise<LogRecord[]> {
  const rows: { offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }[] = await db.query(
    `SELECT "offset", key, value, headers FROM "${schema}".replay_staging
     WHERE topic = $1 AND partition = $2 AND "offset" BETWEEN $3 AND $4 ORDER BY "offset"`,
    [entry.topic, entry.partition, entry.first.toString(), entry.last.toString()],
  )
  return rows.map((r) => ({ topic: entry.topic, partition: entry.partition, offset: BigInt(r.offset), key: r.key, value: r.value, headers: r.headers }))
}

/**
 * Tables in the database that are not the projection: the ingesters' cursors and bookkeeping, and the embedded
 * log itself. A switch-over carries them into the new schema untouched.
 */
const NOT_PROJECTION = ['ingest_cursor', 'log_partition', 'log_record', 'usage_record_seen', 'usage_pending', 'usage_file_cursor']

/** The rebuilt schema becomes `public`; the old projection is kept, renamed, for inspection or rollback. */
async function switchSchemas(db: DataSource, schema: string): Promise<void> {
  await db.transaction(async (em) => {
    for (const table of NOT_PROJECTION) {
      const [{ exists }] = await em.query('SELECT to_regclass($1) IS NOT NULL AS exists', [`public.${table}`])
      if (!exists) continue
      await em.query(`DROP TABLE IF EXISTS "${schema}"."${table}" CASCADE`)
      await em.query(`ALTER TABLE public."${table}" SET SCHEMA "${schema}"`)
    }
    await em.query(`ALTER SCHEMA public RENAME TO "retired_${schema.slice('replay_'.length)}"`)
    await em.query(`ALTER SCHEMA "${schema}" RENAME TO public`)
  })
}
