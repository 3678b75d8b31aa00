import type { DataSource } from 'typeorm'
import type { ChainEvent } from '../domain/chain-events.js'
import type { UsageRecord as SignedUsageRecord } from '../domain/usage-record.js'
import type { Logger } from '../logger.js'
import type { UsageRecord } from '../model/index.js'
import { BlockProgress } from './block-progress.js'
import { readProjectionChange, type ProjectionChange } from './projection-change.js'
import type { Of } from './projections/context.js'
import {
  judgeSettlements,
  planSettlementWrites,
  readCompleteHeight,
  usageRecordEntity,
  type JudgedSettlements,
  type ProjectionSettings,
  type SettlementWrites,
} from './projections/settlements.js'

/**
 * Planning batch n+1 while PostgreSQL writes batch n. A chain batch of final settlements and finality markers
 * (a catch-up's bulk) is judged, split and planned from a snapshot on a second connection, with what the batch
 * in flight will have written laid over it: the settlements it accepts (a chain batch planned ahead too) or the
 * usage records it stores (a usage batch). Its transaction then only writes. The plan holds only if the
 * change token (projection-change.ts) says that no other batch committed since the snapshot, and that batch
 * was applied whole (and, for a chain batch, as planned); an epoch closed meanwhile is caught by the epoch rows
 * the transaction makes. Otherwise the batch is planned again inside its transaction, as every other batch is.
 */

/** A decoded chain event as the projector holds it. */
export interface PlannedItem {
  event: ChainEvent
  final: boolean
}

/** What a batch's transaction came to, for the plan read ahead of its commit. */
export interface BatchResult {
  /** The token change the transaction made; absent when it wrote nothing. */
  change?: ProjectionChange
  /** Applied in one piece (not event by event to isolate a bad one). */
  whole: boolean
  /** Written from its plan (a chain batch planned ahead). */
  planned: boolean
}

/** The batch being written while the next one is planned; `finished` once its transaction ended (either way). */
export type InFlight = { done: Promise<BatchResult>; finished: boolean } & (
  | { kind: 'chain'; plan?: Promise<ChainPlan | undefined> }
  | { kind: 'usage'; records: readonly { usage: SignedUsageRecord }[] }
  | { kind: 'dead-letters' }
)

/** One step of a planned batch, in the order the transaction writes them. */
export type PlanStep =
  | { kind: 'settlements'; items: PlannedItem[]; judged: JudgedSettlements; writes: SettlementWrites }
  | { kind: 'finalized'; item: PlannedItem }

export interface ChainPlan {
  /** The change token the snapshot saw. */
  token: string
  /** The batch in flight at the snapshot, as far as the plan needs it (not its plan: plans would chain up). */
  base?: { kind: InFlight['kind']; done: Promise<BatchResult> }
  steps: PlanStep[]
  progress: BlockProgress
  /** Inference ids the plan accepts, for the plan of the batch after it. */
  accepted: ReadonlySet<string>
}

/** Final settlements and finality markers only: events whose projection reads nothing a batch before changes but rows laid over it here. */
export function plannable(items: readonly PlannedItem[]): boolean {
  if (items.length === 0) return false
  const ids = new Set<string>()
  for (const { event, final } of items) {
    if (!(event.type === 'BlocksFinalized' || (event.type === 'InferenceSettled' && final))) return false
    if (ids.has(event.id)) return false
    ids.add(event.id)
  }
  return true
}

/**
 * Plans a plannable chain batch while the batch in flight is written; undefined when it cannot be (an event
 * was applied before, or the snapshot failed).
 */
export async function planChainBatch(
  db: DataSource,
  settings: ProjectionSettings,
  items: readonly PlannedItem[],
  inFlight: InFlight | undefined,
  logger: Logger,
): Promise<ChainPlan | undefined> {
  let base = inFlight
  const basePlan = base?.kind === 'chain' ? await base.plan : undefined
  // A chain batch planned in its own transaction: what it writes is known once it commits, so this plan waits
  // for that (no overlap this once) rather than leaving every batch after it to be planned in its transaction.
  if (base?.kind === 'chain' && !basePlan) await base.done
  // A batch whose transaction ended before the snapshot is in it (or wrote nothing): nothing to lay over.
  if (base?.finished) base = undefined
  const runner = db.createQueryRunner()
  try {
    await runner.connect()
    await runner.startTransaction('REPEATABLE READ')
    const token = await readProjectionChange(runner)
    const eventIds = items.map((i) => i.event.id)
    const applied: unknown[] = await runner.query('SELECT 1 FROM applied_event WHERE id = ANY($1) LIMIT 1', [eventIds])
    if (applied.length > 0) return undefined
    const overlay = {
      settled: (base && basePlan?.accepted) || new Set<string>(),
      usage: base?.kind === 'usage' ? storedFirst(base.records) : new Map<string, UsageRecord>(),
    }
    const progress = new BlockProgress(base && basePlan ? basePlan.progress.completeHeight : await readCompleteHeight(runner))
    const accepted = new Set<string>()
    // Settled but not in the snapshot: by the batch laid under it, or by an earlier run of this batch.
    const settledBefore = new Set(overlay.settled)
    const steps: PlanStep[] = []
    // The settlements between two markers are one run, judged at once and written when the next marker (which
    // completes their blocks) or the batch's end comes, as the transaction would.
    let pending: { items: PlannedItem[]; judged: JudgedSettlements } | undefined
    const flush = async (completeHeight: number) => {
      if (!pending) return
      const writes = await planSettlementWrites(runner, pending.judged.accepted, completeHeight, overlay.usage)
      steps.push({ kind: 'settlements', ...pending, writes })
      pending = undefined
    }
    for (const run of splitRuns(items)) {
      if (run.kind === 'finalized') {
        await flush(Number.POSITIVE_INFINITY)
        progress.see(run.item.event)
        steps.push(run)
        continue
      }
      for (const item of run.items) progress.see(item.event)
      const settlements = run.items.map((i) => i.event as Of<'InferenceSettled'>)
      const judged = await judgeSettlements(runner, settings, settlements, settledBefore)
      for (const a of judged.accepted) {
        accepted.add(a.inference.id)
        settledBefore.add(a.inference.id)
      }
      pending = { items: run.items, judged }
    }
    await flush(progress.completeHeight)
    return { token, base: base && { kind: base.kind, done: base.done }, steps, progress, accepted }
  } catch (err) {
    logger.debug({ err }, 'planning a batch ahead failed; it is planned in its transaction')
    return undefined
  } finally {
    // Never rejects: nobody may be waiting for this plan yet (a projector closing leaves it behind).
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined)
    await runner.release().catch(() => undefined)
  }
}

type Run = { kind: 'settlements'; items: PlannedItem[] } | { kind: 'finalized'; item: PlannedItem }

/** Runs of consecutive settlements and the finality markers between them, in order. */
function splitRuns(items: readonly PlannedItem[]): Run[] {
  const runs: Run[] = []
  for (const item of items) {
    const last = runs[runs.length - 1]
    if (item.event.type === 'BlocksFinalized') runs.push({ kind: 'finalized', item })
    else if (last?.kind === 'settlements') last.items.push(item)
    else runs.push({ kind: 'settlements', items: [item] })
  }
  return runs
}

/**
 * The usage records a usage batch stores for inferences not seen before: each id's first record in the batch
 * (a later copy is ignored or refused there). Laid under what the snapshot holds: a stored copy wins.
 */
function storedFirst(records: readonly { usage: SignedUsageRecord }[]): Map<string, UsageRecord> {
  const first = new Map<string, UsageRecord>()
  for (const { usage } of records) if (!first.has(usage.inferenceId)) first.set(usage.inferenceId, usageRecordEntity(usage))
  return first
}

/**
 * Whether a plan still describes the projection, asked inside the batch's transaction once its inference ids
 * are locked: `current` is the change token now.
 */
export async function planHolds(plan: ChainPlan, current: string): Promise<boolean> {
  if (!plan.base) return current === plan.token
  const base = await plan.base.done
  // Unfinished at the snapshot: it must have committed whole since, and nothing else after it.
  if (!base.whole || !base.change || (plan.base.kind === 'chain' && !base.planned)) return false
  // The base committed after the snapshot (the overlay stood for it) or before (the snapshot holds it).
  return base.change.after === current && (plan.token === base.change.before || plan.token === base.change.after)
}
