import type { DataSource, EntityManager } from 'typeorm'
import { parseChainEvent, type ChainEvent } from '../domain/chain-events.js'
import { decodeEnvelope } from '../domain/envelope.js'
import type { Logger } from '../logger.js'
import { readDeadLetterRecord, type DeadLetter } from '../log/dead-letter.js'
import type { Log, LogRecord, PartitionBatch } from '../log/log.js'
import { metrics } from '../metrics.js'
import { applyChainEvent } from './apply.js'
import { RejectedEvent } from './rejection.js'
import { recordChangesOf } from '../db/undo.js'
import { FINAL_HEADER } from '../log/headers.js'
import { storeDeadLetters } from './dead-letters.js'

export interface ProjectorOptions {
  db: DataSource
  log: Log
  group: string
  chainTopic: string
  deadLetterTopic: string
  logger: Logger
}

export interface RunningProjector {
  close(): Promise<void>
}

/**
 * The projector: log → Postgres, exactly once. Each batch's projection changes and the group's next offset are
 * written in one transaction; the offset row is locked first, so records at or past the stored offset are the
 * only ones applied, whoever delivered them and however often.
 */
export async function startProjector(options: ProjectorOptions): Promise<RunningProjector> {
  const { db, log, group, chainTopic, deadLetterTopic, logger } = options
  const consumer = await log.consumer(group)
  await consumer.start({
    topics: [chainTopic, deadLetterTopic],
    startOffset: (topic, partition) => readOffset(db, group, topic, partition),
    handle: async (batch) => {
      try {
        await projectBatch(db, group, batch, batch.topic === deadLetterTopic, 'whole')
      } catch (err) {
        // One bad event must not stall the partition: redo the batch event by event, dead-lettering
        // the events whose projection fails on their data (not on the database being unavailable).
        logger.warn({ err, topic: batch.topic, partition: batch.partition }, 'batch failed; isolating bad events')
        await projectBatch(db, group, batch, batch.topic === deadLetterTopic, 'isolated')
      }
      metrics.projectedRecords.inc({ topic: batch.topic }, batch.records.length)
    },
  })
  logger.info({ group, topics: [chainTopic, deadLetterTopic] }, 'projector started')
  return { close: () => consumer.close() }
}

type Mode = 'whole' | 'isolated'

async function projectBatch(db: DataSource, group: string, batch: PartitionBatch, isDeadLetterTopic: boolean, mode: Mode) {
  await db.transaction(async (em) => {
    const next = await lockOffset(em, group, batch.topic, batch.partition)
    const fresh = batch.records.filter((r) => r.offset >= next)
    if (fresh.length === 0) return
    if (isDeadLetterTopic) {
      await storeDeadLetters(em, fresh.map((r) => ({ ...readDeadLetterRecord(r), position: r })))
    } else {
      await projectChainRecords(em, fresh, mode)
    }
    await em.query(
      'UPDATE consumer_offset SET next_offset = $4 WHERE group_id = $1 AND topic = $2 AND partition = $3',
      [group, batch.topic, batch.partition, (fresh[fresh.length - 1].offset + 1n).toString()],
    )
  })
}

/** A decoded chain event with the record it came in; `final` when the ingester published it as final. */
interface Incoming {
  event: ChainEvent
  record: LogRecord
  final: boolean
}

async function projectChainRecords(em: EntityManager, records: LogRecord[], mode: Mode): Promise<void> {
  const rejected: ReturnType<typeof projectorDeadLetter>[] = []
  const incoming: Incoming[] = []
  for (const record of records) {
    const envelope = decodeEnvelope(record.value)
    const parsed = envelope.ok ? parseChainEvent(envelope.value) : envelope
    if (parsed.ok) incoming.push({ event: parsed.event, record, final: record.headers[FINAL_HEADER] === 'true' })
    else rejected.push(projectorDeadLetter(record, parsed.reason, parsed.detail))
  }
  // Changes made by events of hot blocks are recorded for undo; switching blocks costs one statement.
  let recordingFor: string | undefined
  for (const segment of segmentsAtForks(incoming)) {
    const fresh = await markApplied(em, segment.map((i) => i.event))
    for (const { event, record, final } of segment.filter((i) => fresh.has(i.event.id))) {
      const hotBlock = final || event.block == null ? null : event.block
      if ((hotBlock?.hash ?? '') !== recordingFor) {
        await recordChangesOf(em, hotBlock)
        recordingFor = hotBlock?.hash ?? ''
      }
      if (mode === 'whole') {
        await applyChainEvent(em, event)
        continue
      }
      const failure = await applyInSavepoint(em, event)
      if (failure) {
        rejected.push(projectorDeadLetter(record, failure.reason, failure.detail, event.id))
        recordingFor = undefined // the rollback to the savepoint may have reverted the setting
      }
    }
    if (segment[segment.length - 1].event.type === 'BlocksOrphaned') recordingFor = '' // the undo cleared it
  }
  await storeDeadLetters(em, rejected)
}

/**
 * Event ids are deduplicated per segment, cut after each BlocksOrphaned: an orphaning removes the applied ids
 * of its blocks, so an event after it in the same batch may legitimately carry an id seen before it.
 */
function segmentsAtForks(incoming: Incoming[]): Incoming[][] {
  const segments: Incoming[][] = [[]]
  for (const item of incoming) {
    segments[segments.length - 1].push(item)
    if (item.event.type === 'BlocksOrphaned') segments.push([])
  }
  return segments.filter((s) => s.length > 0)
}

async function markApplied(em: EntityManager, events: ChainEvent[]): Promise<Set<string>> {
  const rows: { id: string }[] = await em.query(
    `INSERT INTO applied_event (id, block_number, block_hash)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [events.map((e) => e.id), events.map((e) => e.block?.number ?? null), events.map((e) => e.block?.hash ?? null)],
  )
  return new Set(rows.map((r) => r.id))
}

/** Postgres codes of errors caused by the data (class 22: data exception, 23: integrity violation). */
const DATA_ERROR = /^2[23]/

async function applyInSavepoint(em: EntityManager, event: ChainEvent): Promise<{ reason: string; detail: string } | undefined> {
  await em.query('SAVEPOINT apply_event')
  try {
    await applyChainEvent(em, event)
    await em.query('RELEASE SAVEPOINT apply_event')
    return undefined
  } catch (err) {
    const code = (err as { code?: string }).code
    const rejection = err instanceof RejectedEvent ? { reason: err.reason, detail: err.message }
      : code && DATA_ERROR.test(code) ? { reason: 'projection-failed', detail: `${code}: ${(err as Error).message}` }
      : undefined
    if (!rejection) throw err
    await em.query('ROLLBACK TO SAVEPOINT apply_event')
    return rejection
  }
}

function projectorDeadLetter(record: LogRecord, reason: string, detail: string, eventId?: string) {
  return {
    key: `${record.topic}:${record.partition}:${record.offset}${eventId ? `:${eventId}` : ''}`,
    stage: 'project',
    reason,
    detail,
    eventId,
    original: record.value ?? Buffer.alloc(0),
    position: record,
  }
}

async function lockOffset(em: EntityManager, group: string, topic: string, partition: number): Promise<bigint> {
  await em.query(
    `INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
     ON CONFLICT DO NOTHING`,
    [group, topic, partition],
  )
  const [row] = await em.query(
    'SELECT next_offset FROM consumer_offset WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
    [group, topic, partition],
  )
  return BigInt(row.next_offset)
}

async function readOffset(db: DataSource, group: string, topic: string, partition: number): Promise<bigint | undefined> {
  const [row] = await db.query(
    'SELECT next_offset FROM consumer_offset WHERE group_id = $1 AND topic = $2 AND partition = $3',
    [group, topic, partition],
  )
  return row ? BigInt(row.next_offset) : undefined
}
