import type { DataSource, EntityManager } from 'typeorm'
import { noticeCommit } from '../db/change-notice.js'
import { isDatabaseUnavailable, retryWhileDatabaseDown } from '../db/outage.js'
import { recordChangesOf } from '../db/undo.js'
import { parseChainEvent, type ChainEvent } from '../domain/chain-events.js'
import { decodeEnvelope } from '../domain/envelope.js'
import { normaliseUsageRecord, usageRecordSchema, USAGE_RECORDED } from '../domain/usage-record.js'
import type { Logger } from '../logger.js'
import { readDeadLetterRecord } from '../log/dead-letter.js'
import { FINAL_HEADER } from '../log/headers.js'
import { Rewind, type Log, type LogRecord, type PartitionBatch } from '../log/log.js'
import { servesCopy } from '../db/append-rows.js'
import { metrics } from '../metrics.js'
import { ApplyAhead } from './apply-ahead.js'
import { applyChainEvent, type ProjectionSettings, type RefusedUsage } from './apply.js'
import { BlockProgress } from './block-progress.js'
import { planChainBatch, planHolds, plannable, type BatchResult, type ChainPlan, type InFlight } from './plan-ahead.js'
import { markProjectionChanged, readProjectionChange, type ProjectionChange } from './projection-change.js'
import { onBlocksFinalized } from './projections/chain-control.js'
import { storeDeadLetters, type StoredDeadLetter } from './dead-letters.js'
import { journalBatch } from './journal.js'
import {
  acceptSettlements,
  ensureEpochs,
  joinDeferred,
  lockInferences,
  readCompleteHeight,
  recordUsage,
  saveCompleteHeight,
  writePlannedSettlements,
  writeSettlements,
  type AcceptedSettlement,
} from './projections/settlements.js'
import { RejectedEvent } from './rejection.js'

export interface ProjectorTopics {
  chain: string
  usage: string
  deadLetter: string
}

export interface ProjectorOptions {
  db: DataSource
  log: Log
  group: string
  topics: ProjectorTopics
  settings: ProjectionSettings
  logger: Logger
  /**
   * Partitions applied at once, each batch in its own transaction (PROJECTOR_CONCURRENCY). Safe for the same
   * reasons several projector instances of one group are: advisory locks order the two halves of a join, shared
   * rows only ever get additions (taken in key order), and an epoch close excludes every batch of the group.
   */
  concurrentPartitions?: number
  /** Plan batches of final settlements while the batch before is written (PROJECTOR_PLAN_AHEAD; plan-ahead.ts). */
  planAhead?: boolean
}

export interface RunningProjector {
  close(): Promise<void>
}

/**
 * The projector: log → Postgres, exactly once. Each batch's projection changes and the group's next offset are
 * written in one transaction; the offset row is locked first, so records at or past the stored offset are the
 * only ones applied, whoever delivered them and however often. Each transaction also appends to the journal
 * the range it applied, so a replay can apply the topics' records in the same interleaving.
 */
export async function startProjector(options: ProjectorOptions): Promise<RunningProjector> {
  const { db, log, group, topics, logger } = options
  const consumer = await log.consumer(group)
  // One batch in flight at a time, or one per partition when partitions are applied at once.
  const concurrent = (options.concurrentPartitions ?? 1) > 1
  const { prepare, apply } = await batchPipeline({ ...options, planAhead: (options.planAhead ?? false) && !concurrent })
  const pipelines = new Map<string, ApplyAhead<DecodedBatch>>()
  const pipelineOf = (batch: PartitionBatch) => {
    const key = concurrent ? `${batch.topic}/${batch.partition}` : ''
    let pipeline = pipelines.get(key)
    if (!pipeline) {
      pipeline = new ApplyAhead(consumer, logger, prepare, apply)
      pipelines.set(key, pipeline)
    }
    return pipeline
  }
  await consumer.start({
    topics: [topics.chain, topics.usage, topics.deadLetter],
    startOffset: (topic, partition) =>
      retryWhileDatabaseDown('reading the stored offset', { service: 'projector', logger }, () => readOffset(db, group, topic, partition)),
    handle: (batch) => pipelineOf(batch).handle(batch),
    concurrentPartitions: options.concurrentPartitions,
  })
  logger.info({ group, topics }, 'projector started')
  return {
    async close() {
      await consumer.close()
      await Promise.all([...pipelines.values()].map((p) => p.close()))
    },
  }
}

/**
 * How the projector takes batches one after the other: `prepare` decodes a batch (and plans it ahead, when it
 * can) while the batch before is still being written by `apply`. ApplyAhead calls them in that order.
 */
export async function batchPipeline(options: Omit<ProjectorOptions, 'log' | 'concurrentPartitions'>) {
  // Planning ahead reads on a second connection while the batch before holds the first: PostgreSQL's, not
  // PGlite's one backend; and one batch in flight, so that the batch before is the only one it lays over.
  const planAhead = (options.planAhead ?? false) && (await servesCopy(options.db.manager))
  let inFlight: InFlight | undefined
  const prepare = (batch: PartitionBatch) => {
    const decoded = decodeBatch(options.topics, batch)
    if (planAhead && decoded.kind === 'chain' && plannable(decoded.incoming)) {
      decoded.plan = planChainBatch(options.db, options.settings, decoded.incoming, inFlight, options.logger)
    }
    return decoded
  }
  const apply = async (batch: PartitionBatch, decoded: DecodedBatch) => {
    const done = projectDecodedBatch(options, batch, decoded)
    const settled = done.catch((): BatchResult => ({ whole: false, planned: false }))
    const current: InFlight =
      decoded.kind === 'chain' ? { kind: 'chain', plan: decoded.plan, done: settled, finished: false }
      : decoded.kind === 'usage' ? { kind: 'usage', records: decoded.usable, done: settled, finished: false }
      : { kind: 'dead-letters', done: settled, finished: false }
    void settled.then(() => (current.finished = true))
    inFlight = current
    await done
  }
  return { prepare, apply }
}

/**
 * Applies one partition batch; a batch that fails on bad data is redone event by event to isolate the culprit.
 * While PostgreSQL is unreachable the batch is retried (its transaction rolled back), so a database restart
 * stalls the projector instead of ending it.
 */
export async function projectPartitionBatch(options: Omit<ProjectorOptions, 'log'>, batch: PartitionBatch): Promise<void> {
  await projectDecodedBatch(options, batch, decodeBatch(options.topics, batch))
}

export async function projectDecodedBatch(options: Omit<ProjectorOptions, 'log'>, batch: PartitionBatch, decoded: DecodedBatch): Promise<BatchResult> {
  const policy = { service: 'projector', logger: options.logger }
  const result = await retryWhileDatabaseDown('projecting a batch', policy, () => projectOrIsolate(options, batch, decoded))
  metrics.projectedRecords.inc({ topic: batch.topic }, batch.records.length)
  return result
}

async function projectOrIsolate(options: Omit<ProjectorOptions, 'log'>, batch: PartitionBatch, decoded: DecodedBatch): Promise<BatchResult> {
  if (decoded.kind === 'chain') await decoded.plan // read ahead on its own connection: not while holding a transaction open
  try {
    const result = await projectBatch(options, batch, decoded, 'whole')
    if (result.planned) metrics.plannedAhead.inc({ outcome: 'written' })
    return { ...result, whole: true }
  } catch (err) {
    if (isDatabaseUnavailable(err) || err instanceof Rewind) throw err
    if (err instanceof PlanOutdated) {
      metrics.plannedAhead.inc({ outcome: 'replanned' })
      // Found out only after it started writing (rolled back now): planned again, inside the transaction.
      options.logger.debug({ topic: batch.topic, partition: batch.partition, reason: err.message }, 'plan outdated; planning in the transaction')
      return { ...(await projectBatch(options, batch, { ...decoded, plan: undefined } as DecodedBatch, 'whole')), whole: true }
    }
    // One bad event must not stall the partition: redo the batch event by event, dead-lettering the events
    // whose projection fails on their data (not on the database being unavailable, which is rethrown).
    options.logger.warn({ err, topic: batch.topic, partition: batch.partition }, 'batch failed; isolating bad events')
    return { ...(await projectBatch(options, batch, { ...decoded, plan: undefined } as DecodedBatch, 'isolated')), whole: false }
  }
}

/** A plan read ahead that turned out not to hold after its transaction wrote part of it. */
class PlanOutdated extends Error {}

type Mode = 'whole' | 'isolated'

/** A batch's records as read, before any database work; each item keeps its record, so it can be cut at an offset. */
export type DecodedBatch =
  | { kind: 'dead-letters'; letters: StoredDeadLetter[] }
  | { kind: 'usage'; usable: UsableUsage[]; rejected: StoredDeadLetter[] }
  | { kind: 'chain'; incoming: Incoming[]; rejected: StoredDeadLetter[]; plan?: Promise<ChainPlan | undefined> }

export function decodeBatch(topics: ProjectorTopics, batch: PartitionBatch): DecodedBatch {
  if (batch.topic === topics.deadLetter) return { kind: 'dead-letters', letters: batch.records.map((r) => ({ ...readDeadLetterRecord(r), position: r })) }
  if (batch.topic === topics.usage) return { kind: 'usage', ...decodeUsageRecords(batch.records) }
  return { kind: 'chain', ...decodeChainRecords(batch.records) }
}

async function projectBatch(
  options: Omit<ProjectorOptions, 'log'>,
  batch: PartitionBatch,
  decoded: DecodedBatch,
  mode: Mode,
): Promise<{ change?: ProjectionChange; planned: boolean }> {
  const { db, group, settings } = options
  return db.transaction(async (em) => {
    // The log is the record and the offsets commit with the rows: a crash can lose only whole recent
    // transactions, and those are applied again from the log (Rewind below). No need to wait for the WAL flush.
    await em.query('SET LOCAL synchronous_commit = off')
    const { next, stored } = await lockOffset(em, group, batch.topic, batch.partition)
    if (stored && batch.records[0].offset > next) throw new Rewind(batch.topic, batch.partition, next)
    const fresh = batch.records.filter((r) => r.offset >= next)
    if (fresh.length === 0) return { planned: false }
    // Records before the stored offset were applied by an earlier delivery.
    const isFresh = ({ record }: { record: LogRecord }) => record.offset >= next
    let planned = false
    const freshLetters = (letters: StoredDeadLetter[]) => letters.filter((l) => l.position.offset >= next)
    if (decoded.kind === 'dead-letters') {
      await storeDeadLetters(em, freshLetters(decoded.letters))
    } else if (decoded.kind === 'usage') {
      await projectUsageRecords(em, decoded.usable.filter(isFresh), freshLetters(decoded.rejected), mode)
    } else {
      // A plan read ahead covers the whole batch; one delivered again from its middle is planned here.
      const plan = fresh.length === batch.records.length ? await decoded.plan : undefined
      planned = plan ? await projectPlannedChainRecords(em, settings, plan, decoded.rejected) : false
      if (!planned) await projectChainRecords(em, settings, decoded.incoming.filter(isFresh), freshLetters(decoded.rejected), mode)
    }
    const last = fresh[fresh.length - 1].offset
    await em.query(
      'UPDATE consumer_offset SET next_offset = $4 WHERE group_id = $1 AND topic = $2 AND partition = $3',
      [group, batch.topic, batch.partition, (last + 1n).toString()],
    )
    await journalBatch(em, group, batch.topic, batch.partition, fresh[0].offset, last)
    await noticeCommit(em)
    return { change: await markProjectionChanged(em), planned }
  })
}

/** A decoded chain event with the record it came in; `final` when the ingester published it as final. */
interface Incoming {
  event: ChainEvent
  record: LogRecord
  final: boolean
}

function decodeChainRecords(records: LogRecord[]): { incoming: Incoming[]; rejected: StoredDeadLetter[] } {
  const rejected: StoredDeadLetter[] = []
  const incoming: Incoming[] = []
  for (const record of records) {
    const envelope = decodeEnvelope(record.value)
    const parsed = envelope.ok ? parseChainEvent(envelope.value) : envelope
    if (parsed.ok) incoming.push({ event: parsed.event, record, final: record.headers[FINAL_HEADER] === 'true' })
    else rejected.push(projectorDeadLetter(record, parsed.reason, parsed.detail))
  }
  return { incoming, rejected }
}

async function projectChainRecords(em: EntityManager, settings: ProjectionSettings, incoming: Incoming[], rejected: StoredDeadLetter[], mode: Mode) {
  const recording = new UndoRecording(em)
  const progress = new BlockProgress(await readCompleteHeight(em))
  // Settlements are judged at their log but written once their block is complete (or the batch ends), so a usage
  // record already in is joined with every event of the block applied: a review or slash after the settlement's
  // log counts, as the money rules say, however the log is cut into batches.
  const waiting = new WaitingSettlements()
  const writeWaiting = async (completeHeight: number) => {
    await recording.switchTo(waiting.block)
    const refused = await writeSettlements(em, waiting.accepted, completeHeight)
    for (const [inferenceId, refusedUsage] of refused) {
      const { record, eventId } = waiting.origin.get(inferenceId)!
      rejected.push(...lettersOf(record, eventId, { refusedUsage }))
    }
    waiting.clear()
  }
  for (const segment of segmentsAtForks(incoming)) {
    const fresh = await markApplied(em, segment.map((i) => i.event))
    // An orphaning is applied even when seen before: a chain that forks back and forth can orphan the same
    // blocks twice, and undoing blocks whose changes are already undone changes nothing.
    const due = segment.filter((i) => fresh.has(i.event.id) || i.event.type === 'BlocksOrphaned')
    for (const run of mode === 'whole' ? settlementRuns(due) : due.map((item) => [item])) {
      // An event of a later block, or a control event, means the waiting settlements' blocks are complete.
      if (!waiting.inBlockOf(run[0])) await writeWaiting(Number.POSITIVE_INFINITY)
      await recording.switchTo(hotBlockOf(run[0]))
      const first = run[0].event
      for (const item of run) progress.see(item.event) // a run of final settlements spans many blocks
      if (first.type === 'InferenceSettled' && mode === 'whole') {
        const settlements = run.map((i) => i.event as typeof first)
        const { outcomes, accepted } = await acceptSettlements(em, settings, settlements, waiting.ids)
        outcomes.forEach((outcome, k) => rejected.push(...lettersOf(run[k].record, run[k].event.id, outcome)))
        waiting.add(hotBlockOf(run[0]), run, accepted)
        continue
      }
      const outcome = await apply(em, mode, () => applyChainEvent(em, settings, first))
      rejected.push(...lettersOf(run[0].record, first.id, outcome))
      if (outcome.rejected) recording.forget() // the rollback to the savepoint may have reverted the setting
    }
    if (segment[segment.length - 1].event.type === 'BlocksOrphaned') recording.forget() // the undo cleared it
  }
  // The batch may end inside the last block: its settlements are written now, their joins wait for the block.
  if (!waiting.empty) await writeWaiting(progress.completeHeight)
  if (progress.changed && incoming[0].event.chainId != null) {
    await saveCompleteHeight(em, incoming[0].event.chainId, progress.completeHeight)
  }
  await joinDeferred(em, progress.completeHeight)
  await storeDeadLetters(em, rejected)
}

/**
 * Writes a chain batch planned ahead (plan-ahead.ts) in the order the planning in the transaction would have:
 * false, before writing anything, when the plan no longer holds. Checks that can only fail if the plan was
 * wrong after all throw PlanOutdated, which rolls the transaction back to plan it again.
 */
async function projectPlannedChainRecords(em: EntityManager, settings: ProjectionSettings, plan: ChainPlan, rejected: StoredDeadLetter[]): Promise<boolean> {
  const items = plan.steps.flatMap((step) => (step.kind === 'settlements' ? step.items : [step.item])) as Incoming[]
  await lockInferences(em, items.flatMap((i) => (i.event.type === 'InferenceSettled' ? [i.event.payload.inferenceId] : [])))
  if (!(await planHolds(plan, await readProjectionChange(em)))) {
    metrics.plannedAhead.inc({ outcome: 'replanned' })
    return false
  }
  const letters = [...rejected]
  await recordChangesOf(em, null)
  if ((await markApplied(em, items.map((i) => i.event))).size !== items.length) throw new PlanOutdated('an event was applied meanwhile')
  for (const step of plan.steps) {
    if (step.kind === 'finalized') {
      await onBlocksFinalized(em, step.item.event as Extract<ChainEvent, { type: 'BlocksFinalized' }>)
      continue
    }
    const run = step.items as Incoming[]
    step.judged.outcomes.forEach((outcome, k) => letters.push(...lettersOf(run[k].record, run[k].event.id, outcome)))
    if (!(await ensureEpochs(em, step.judged.epochs, settings.epochBlocks))) throw new PlanOutdated('an epoch closed meanwhile')
    const refused = await writePlannedSettlements(em, step.judged.accepted, step.writes)
    const itemOf = new Map(run.map((item) => [item.event, item]))
    for (const a of step.judged.accepted) {
      const refusedUsage = refused.get(a.inference.id)
      if (refusedUsage) letters.push(...lettersOf(itemOf.get(a.event)!.record, a.event.id, { refusedUsage }))
    }
  }
  if (plan.progress.changed && items[0].event.chainId != null) await saveCompleteHeight(em, items[0].event.chainId, plan.progress.completeHeight)
  await joinDeferred(em, plan.progress.completeHeight)
  await storeDeadLetters(em, letters)
  return true
}

/** The block whose changes the session records for undo, switched only when it changes (one statement). */
class UndoRecording {
  private current: string | undefined
  constructor(private readonly em: EntityManager) {}

  async switchTo(block: { number: number; hash: string } | null) {
    if ((block?.hash ?? '') === this.current) return
    await recordChangesOf(this.em, block)
    this.current = block?.hash ?? ''
  }

  /** The setting may have changed behind our back (a savepoint rollback, an undo). */
  forget() {
    this.current = undefined
  }
}

/** Settlements accepted at their log, waiting for the end of their block to be written. */
class WaitingSettlements {
  block: { number: number; hash: string } | null = null
  accepted: AcceptedSettlement[] = []
  readonly ids = new Set<string>()
  readonly origin = new Map<string, { record: LogRecord; eventId: string }>()
  private lastBlock = -1

  get empty() {
    return this.accepted.length === 0
  }

  /** Whether `item` is still inside the waiting settlements' last block (recorded under the same undo block). */
  inBlockOf(item: Incoming): boolean {
    if (this.empty) return true
    return item.event.block != null && item.event.block.number <= this.lastBlock && (hotBlockOf(item)?.hash ?? null) === (this.block?.hash ?? null)
  }

  add(block: { number: number; hash: string } | null, run: Incoming[], accepted: AcceptedSettlement[]) {
    this.block = block
    for (const item of run) this.lastBlock = Math.max(this.lastBlock, item.event.block!.number)
    const itemOf = new Map(run.map((item) => [item.event, item]))
    for (const a of accepted) {
      const item = itemOf.get(a.event)!
      this.origin.set(a.inference.id, { record: item.record, eventId: item.event.id })
      this.accepted.push(a)
      this.ids.add(a.inference.id)
    }
  }

  clear() {
    this.block = null
    this.accepted = []
    this.ids.clear()
    this.origin.clear()
    this.lastBlock = -1
  }
}

/** Where an event's changes are recorded for undo: its block while not final; control events have none. */
function hotBlockOf({ event, final }: Incoming) {
  return final || event.block == null ? null : event.block
}

/**
 * Cuts a segment into runs applied together: consecutive settlements recorded under the same block (all final
 * ones under none) form one run, applied set-wise; every other event is a run of its own.
 */
function settlementRuns(items: Incoming[]): Incoming[][] {
  const runs: Incoming[][] = []
  for (const item of items) {
    const last = runs[runs.length - 1]
    const joins =
      last &&
      item.event.type === 'InferenceSettled' &&
      last[0].event.type === 'InferenceSettled' &&
      hotBlockOf(last[0])?.hash === hotBlockOf(item)?.hash
    if (joins) last.push(item)
    else runs.push([item])
  }
  return runs
}

/** A decoded usage record with the record it came in. */
interface UsableUsage {
  id: string
  record: LogRecord
  usage: ReturnType<typeof normaliseUsageRecord>
}

function decodeUsageRecords(records: LogRecord[]): { usable: UsableUsage[]; rejected: StoredDeadLetter[] } {
  const rejected: StoredDeadLetter[] = []
  const usable: UsableUsage[] = []
  for (const record of records) {
    const envelope = decodeEnvelope(record.value)
    if (!envelope.ok) {
      rejected.push(projectorDeadLetter(record, envelope.reason, envelope.detail))
      continue
    }
    const parsed = envelope.value.type === USAGE_RECORDED ? usageRecordSchema.safeParse(envelope.value.payload) : undefined
    if (!parsed?.success || envelope.value.source !== 'usage') {
      rejected.push(projectorDeadLetter(record, 'invalid-usage-event', `${envelope.value.source}/${envelope.value.type}`))
      continue
    }
    usable.push({ id: envelope.value.id, record, usage: normaliseUsageRecord(parsed.data) })
  }
  return { usable, rejected }
}

/**
 * Usage records are deduplicated by their stored copy rather than by event id: another copy of an applied record
 * is ignored when identical and dead-lettered when it differs, however the log is cut into batches.
 */
async function projectUsageRecords(em: EntityManager, usable: UsableUsage[], rejected: StoredDeadLetter[], mode: Mode) {
  await recordChangesOf(em, null)
  if (mode === 'whole') {
    const refusals = await recordUsage(em, usable.map((u) => u.usage))
    refusals.forEach((refusedUsage, k) => rejected.push(...lettersOf(usable[k].record, usable[k].id, { refusedUsage })))
  } else {
    for (const { id, record, usage } of usable) {
      const outcome = await apply(em, mode, async () => (await recordUsage(em, [usage]))[0])
      rejected.push(...lettersOf(record, id, outcome))
    }
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

async function markApplied(em: EntityManager, events: { id: string; block?: { number: number; hash: string } }[]): Promise<Set<string>> {
  if (events.length === 0) return new Set()
  const rows: { id: string }[] = await em.query(
    `INSERT INTO applied_event (id, block_number, block_hash)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [events.map((e) => e.id), events.map((e) => e.block?.number ?? null), events.map((e) => e.block?.hash ?? null)],
  )
  return new Set(rows.map((r) => r.id))
}

/** Postgres codes of errors caused by the data (class 22: data exception, 23: integrity violation). */
const DATA_ERROR = /^2[23]/

type Outcome = { rejected?: { reason: string; detail: string }; refusedUsage?: RefusedUsage }

/** Runs one event's projection; in isolated mode inside a savepoint, turning data errors into a rejection. */
async function apply(em: EntityManager, mode: Mode, run: () => Promise<RefusedUsage | void>): Promise<Outcome> {
  if (mode === 'whole') return { refusedUsage: (await run()) ?? undefined }
  await em.query('SAVEPOINT apply_event')
  try {
    const refusedUsage = (await run()) ?? undefined
    await em.query('RELEASE SAVEPOINT apply_event')
    return { refusedUsage }
  } catch (err) {
    const code = (err as { code?: string }).code
    const rejection =
      err instanceof RejectedEvent ? { reason: err.reason, detail: err.message }
      : code && DATA_ERROR.test(code) ? { reason: 'projection-failed', detail: `${code}: ${(err as Error).message}` }
      : undefined
    if (!rejection) throw err
    await em.query('ROLLBACK TO SAVEPOINT apply_event')
    return { rejected: rejection }
  }
}

/** The dead letters an applied event leaves: itself when rejected, or the usage record its join refused. */
function lettersOf(record: LogRecord, eventId: string, outcome: Outcome): StoredDeadLetter[] {
  if (outcome.rejected) return [projectorDeadLetter(record, outcome.rejected.reason, outcome.rejected.detail, eventId)]
  if (outcome.refusedUsage) return [refusedUsageLetter(record, outcome.refusedUsage, eventId)]
  return []
}

function projectorDeadLetter(record: LogRecord, reason: string, detail: string, eventId?: string): StoredDeadLetter {
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

/** A usage record the join refused (model mismatch, epoch closed, conflicting duplicate): its bytes, its reason. */
function refusedUsageLetter(record: LogRecord, refused: RefusedUsage, eventId: string): StoredDeadLetter {
  return {
    ...projectorDeadLetter(record, refused.reason, refused.detail, eventId),
    key: `usage-join:${eventId}:${refused.reason}:${record.topic}:${record.offset}`,
    original: refused.original ?? record.value ?? Buffer.alloc(0),
  }
}

/** Locks the partition's offset row (made on first use): the next offset to apply, and whether it was stored. */
async function lockOffset(em: EntityManager, group: string, topic: string, partition: number): Promise<{ next: bigint; stored: boolean }> {
  const created: unknown[] = await em.query(
    `INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [group, topic, partition],
  )
  const [row] = await em.query(
    'SELECT next_offset FROM consumer_offset WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
    [group, topic, partition],
  )
  return { next: BigInt(row.next_offset), stored: created.length === 0 }
}

async function readOffset(db: DataSource, group: string, topic: string, partition: number): Promise<bigint | undefined> {
  const [row] = await db.query(
    'SELECT next_offset FROM consumer_offset WHERE group_id = $1 AND topic = $2 AND partition = $3',
    [group, topic, partition],
  )
  return row ? BigInt(row.next_offset) : undefined
}
