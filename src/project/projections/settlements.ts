import type { EntityManager } from 'typeorm'
import { epochOf } from '../../domain/epoch.js'
import { splitSettlement, type FeeSplit, type SettlementSplit } from '../../domain/fee-split.js'
import type { UsageRecord as SignedUsageRecord } from '../../domain/usage-record.js'
import { appendRows, type AppendColumn } from '../../db/append-rows.js'
import { recordChangesOf } from '../../db/undo.js'
import { AttributionMode, UsageRecord } from '../../model/index.js'
import { planByUsage, writeEdges, type Planned, type SettledInference } from './attribution.js'
import { onChain, type Of, type Queryable } from './context.js'
import { ensureEpoch } from './epochs.js'

export interface ProjectionSettings {
  epochBlocks: number
  defaultFeeSplit: FeeSplit
}

/** A usage record the join refused: the caller dead-letters it (the settlement itself stands). */
export interface RefusedUsage {
  reason: 'model-mismatch' | 'epoch-closed' | 'conflicting-duplicate'
  detail: string
  /** The refused record when it is not the event being applied (a stored record refused by its settlement). */
  original?: Buffer
}

/** What became of one event of a batch: applied (maybe refusing a stored usage record), or rejected. */
export interface SettlementOutcome {
  rejected?: { reason: string; detail: string }
  refusedUsage?: RefusedUsage
}

/**
 * Settlements and usage records meet here, in either order, a batch at a time: one lookup per table per batch,
 * the money split in memory, one write per table. Both sides first take transaction-scoped advisory locks on
 * their inference ids, in id order, so two projector instances applying the two halves at once cannot both miss
 * the other (write skew under READ COMMITTED), nor deadlock on each other's ids.
 */
export async function lockInferences(em: EntityManager, inferenceIds: readonly string[]) {
  await em.query(
    'SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM (SELECT DISTINCT unnest($1::text[]) AS id ORDER BY 1) AS ids',
    [inferenceIds],
  )
}

/** A settlement accepted at its place in the chain, written once the projector knows whether its block is complete. */
export interface AcceptedSettlement {
  event: Of<'InferenceSettled'>
  inference: SettledInference
  split: SettlementSplit
  feeSplit: FeeSplit
  /** Whether the agent existed at the settlement's log (else the inference keeps only the on-chain id). */
  agentKnown: boolean
}

/**
 * Judges a run of InferenceSettled events at their place in the chain: the model, agent, fee split and epoch as
 * of each settlement's log. Nothing is written but the epoch rows; `writeSettlements` writes the accepted ones,
 * maybe after later events of their block (`earlier` holds inference ids accepted but not yet written).
 * Outcomes come back in the order of `events`.
 */
export async function acceptSettlements(
  em: EntityManager,
  settings: ProjectionSettings,
  events: readonly Of<'InferenceSettled'>[],
  earlier: ReadonlySet<string> = new Set(),
): Promise<{ outcomes: SettlementOutcome[]; accepted: AcceptedSettlement[] }> {
  await lockInferences(em, events.map((e) => e.payload.inferenceId))
  const judged = await judgeSettlements(em, settings, events, earlier)
  await ensureEpochs(em, judged.epochs, settings.epochBlocks)
  return judged
}

/** A settlement run judged: its outcomes, the accepted settlements, and the epochs they reached (to be made). */
export interface JudgedSettlements {
  outcomes: SettlementOutcome[]
  accepted: AcceptedSettlement[]
  epochs: { epoch: number; closed: boolean }[]
}

/** `acceptSettlements` without its writes: everything it decides, read through `q`. */
export async function judgeSettlements(
  q: Queryable,
  settings: ProjectionSettings,
  events: readonly Of<'InferenceSettled'>[],
  earlier: ReadonlySet<string>,
): Promise<JudgedSettlements> {
  const ids = events.map((e) => e.payload.inferenceId)
  const modelIds = [...new Set(events.map((e) => e.payload.modelId))]
  const models = new Map<string, { ownerId: string; baseModelId: string | null }>(
    (await q.query('SELECT id, owner_id AS "ownerId", base_model_id AS "baseModelId" FROM model WHERE id = ANY($1)', [modelIds]))
      .map((m: { id: string; ownerId: string; baseModelId: string | null }) => [m.id, m]),
  )
  const settled = new Set<string>((await q.query('SELECT id FROM inference WHERE id = ANY($1)', [ids])).map((r: { id: string }) => r.id))
  for (const id of earlier) settled.add(id)
  const agentIds = [...new Set(events.map((e) => e.payload.agentId).filter((id) => id !== '0'))]
  const agents = new Set<string>((await q.query('SELECT id FROM agent WHERE id = ANY($1)', [agentIds])).map((r: { id: string }) => r.id))
  const feeSplitAt = await feeSplitsOf(q, modelIds, Math.max(...events.map((e) => onChain(e).blockNumber)), settings.defaultFeeSplit)
  const epochClosed = await epochsClosed(q, [...new Set(events.map((e) => epochOf(onChain(e).blockNumber, settings.epochBlocks)))])
  const reached = new Map<number, boolean>()

  const outcomes: SettlementOutcome[] = []
  const accepted: AcceptedSettlement[] = []
  for (const event of events) {
    const { inferenceId, modelId, agentId, fee, platformFee } = event.payload
    const { blockNumber, logIndex } = onChain(event)
    const model = models.get(modelId)
    if (!model) {
      outcomes.push(rejected('unknown-model', `settlement ${inferenceId} of model ${modelId}, which does not exist`))
      continue
    }
    if (settled.has(inferenceId)) {
      outcomes.push(rejected('duplicate-settlement', `inference ${inferenceId} was already settled`))
      continue
    }
    const feeSplit = feeSplitAt(modelId, blockNumber, logIndex)
    const split = splitSettlement(BigInt(fee), BigInt(platformFee), feeSplit)
    if (!split.ok) {
      outcomes.push(rejected(split.reason, split.detail))
      continue
    }
    const epoch = epochOf(blockNumber, settings.epochBlocks)
    if (!reached.has(epoch)) reached.set(epoch, epochClosed.get(epoch) ?? false)
    if (reached.get(epoch)) {
      outcomes.push(rejected('epoch-closed', `settlement at block ${blockNumber} in closed epoch ${epoch}`))
      continue
    }
    settled.add(inferenceId)
    const inference = { id: inferenceId, modelId, baseModelId: model.baseModelId, modelOwnerId: model.ownerId, dataPart: split.value.data, blockNumber, epoch }
    accepted.push({ event, inference, split: split.value, feeSplit, agentKnown: agents.has(agentId) })
    outcomes.push({})
  }
  return { outcomes, accepted, epochs: [...reached].map(([epoch, closed]) => ({ epoch, closed })) }
}

/** Whether each of these epochs is closed; an epoch without a row yet is open. */
async function epochsClosed(q: Queryable, epochs: readonly number[]): Promise<Map<number, boolean>> {
  const rows: { epoch: number; closed: boolean }[] = await q.query(
    `SELECT number AS epoch, status = 'CLOSED' AS closed FROM epoch WHERE id = ANY($1::int[]::text[])`,
    [epochs],
  )
  return new Map(rows.map((r) => [r.epoch, r.closed]))
}

/**
 * Makes the rows of the epochs a judged run reached. Returns false if one turned out closed where the run was
 * judged with it open (an epoch closed after a plan read ahead; never inside one transaction).
 */
export async function ensureEpochs(em: EntityManager, epochs: JudgedSettlements['epochs'], epochBlocks: number): Promise<boolean> {
  let asJudged = true
  for (const { epoch, closed } of epochs) asJudged = (await ensureEpoch(em, epoch, epochBlocks)).closed === closed && asJudged
  return asJudged
}

/**
 * Writes accepted settlements, each row once: usage records that came first are joined now where the
 * settlement's block is complete (at or below `completeHeight`), and left for `joinDeferred` otherwise. Returns
 * the stored records refused by their settlement (a model mismatch), by inference id.
 */
export async function writeSettlements(
  em: EntityManager,
  accepted: readonly AcceptedSettlement[],
  completeHeight: number,
): Promise<Map<string, RefusedUsage>> {
  if (accepted.length === 0) return new Map()
  return writePlannedSettlements(em, accepted, await planSettlementWrites(em, accepted, completeHeight))
}

/** What `writeSettlements` writes for accepted settlements, decided (and read through `q`) before writing it. */
export interface SettlementWrites {
  /** Stored usage records naming another model than their settlement, by inference id: deleted, and refused. */
  refused: Map<string, RefusedUsage>
  deferred: SettledInference[]
  joined: Map<string, Joined>
}

/**
 * Plans the writes of accepted settlements: the usage records waiting for them (`also` adds records a batch
 * still being written stores, for a plan read ahead of it), which of them join now and how.
 */
export async function planSettlementWrites(
  q: Queryable,
  accepted: readonly AcceptedSettlement[],
  completeHeight: number,
  also: ReadonlyMap<string, UsageRecord> = new Map(),
): Promise<SettlementWrites> {
  const inferences = new Map(accepted.map((a) => [a.inference.id, a.inference]))
  // Accepted settlements are new inferences, so no record of theirs is joined yet.
  const waiting = await usageRecordsOf(q, [...inferences.keys()])
  const found = new Set(waiting.map((u) => u.id))
  for (const id of inferences.keys()) if (!found.has(id) && also.has(id)) waiting.push(also.get(id)!)
  const { pairs, refused } = refuseMismatches(waiting.map((usage) => ({ usage, inference: inferences.get(usage.id)! })))
  const ready = pairs.filter((p) => p.inference.blockNumber <= completeHeight)
  return {
    refused,
    deferred: pairs.filter((p) => p.inference.blockNumber > completeHeight).map((p) => p.inference),
    joined: await planJoins(q, ready),
  }
}

/** Writes what `planSettlementWrites` planned; returns the refused records by inference id. */
export async function writePlannedSettlements(
  em: EntityManager,
  accepted: readonly AcceptedSettlement[],
  plan: SettlementWrites,
): Promise<Map<string, RefusedUsage>> {
  if (plan.refused.size > 0) await em.query('DELETE FROM usage_record WHERE id = ANY($1)', [[...plan.refused.keys()]])
  await deferJoins(em, plan.deferred)
  await insertInferences(em, accepted, plan.joined)
  await addSettlementTotals(em, accepted)
  await writeJoins(em, plan.joined)
  return plan.refused
}

/**
 * Accepts and writes a run of settlements at once, joining nothing yet (their block is not complete while its
 * events are being applied): for a settlement applied alone, as when isolating a bad event.
 */
export async function settleInferences(
  em: EntityManager,
  settings: ProjectionSettings,
  events: readonly Of<'InferenceSettled'>[],
): Promise<SettlementOutcome[]> {
  const { outcomes, accepted } = await acceptSettlements(em, settings, events)
  const refused = await writeSettlements(em, accepted, -1)
  return outcomes.map((outcome, index) => {
    const refusedUsage = refused.get(events[index].payload.inferenceId)
    return refusedUsage && !outcome.rejected ? { refusedUsage } : outcome
  })
}

/**
 * Usage records from the usage topic: kept (so a settlement arriving later finds them), and joined now where
 * the settlement is in and its block complete; where the block is not complete yet, the join waits in
 * deferred_join. A join's changes are recorded as those of the settlement's block while that block is not
 * final, so a fork that orphans the settlement also undoes the join (the record itself stays). Refusals come
 * back in the order of `records`.
 */
export async function recordUsage(em: EntityManager, records: readonly SignedUsageRecord[]): Promise<(RefusedUsage | undefined)[]> {
  if (records.length === 0) return []
  const ids = records.map((r) => r.inferenceId)
  await lockInferences(em, ids)
  const stored = new Map((await usageRecordsOf(em, ids)).map((u) => [u.id, u]))
  const settledById = await settledInferences(em, ids)
  const completeHeight = await readCompleteHeight(em)

  const refusals: (RefusedUsage | undefined)[] = []
  const fresh: UsageRecord[] = []
  const ready: (JoinPair & { inference: SettledRow })[] = []
  const waiting: SettledInference[] = []
  for (const record of records) {
    const id = record.inferenceId
    const existing = stored.get(id)
    if (existing) {
      refusals.push(sameContent(existing, record) ? undefined : { reason: 'conflicting-duplicate', detail: `another usage record for ${id} was applied before` })
      continue
    }
    const settled = settledById.get(id)
    if (settled?.closed) {
      refusals.push({ reason: 'epoch-closed', detail: `usage record ${id} arrived after epoch ${settled.epoch} closed` })
      continue
    }
    if (settled && settled.modelId !== record.modelId) {
      refusals.push({ reason: 'model-mismatch', detail: `usage record names model ${record.modelId}, the settlement model ${settled.modelId}` })
      continue
    }
    const usage = usageRecordEntity(record)
    stored.set(id, usage)
    fresh.push(usage)
    refusals.push(undefined)
    if (!settled) continue
    if (settled.blockNumber <= completeHeight) ready.push({ inference: settled, usage })
    else waiting.push(settled)
  }
  await insertUsageRecords(em, fresh)
  await deferJoins(em, waiting)
  await joinUnderTheirBlocks(em, ready)
  return refusals
}

/**
 * Joins the usage records whose settlement's block has become complete (at or below `completeHeight`) since
 * they were deferred. A deferred settlement a fork removed, or one joined meanwhile, is skipped.
 */
export async function joinDeferred(em: EntityManager, completeHeight: number): Promise<void> {
  // typeorm answers a DELETE with [rows, count]
  const [due]: [{ id: string }[], number] = await em.query(
    'DELETE FROM deferred_join WHERE block_number <= $1 RETURNING inference_id AS id',
    [completeHeight],
  )
  if (due.length === 0) return
  const ids = due.map((d) => d.id).sort()
  await lockInferences(em, ids)
  const settled = await settledInferences(em, ids)
  const usage = await usageRecordsOf(em, ids)
  const pairs = usage.flatMap((u) => {
    const inference = settled.get(u.id)
    return inference && !inference.closed && inference.mode === AttributionMode.AWAITING_USAGE ? [{ inference, usage: u }] : []
  })
  // A settlement mined again in a later block after a fork waits for that block instead.
  await deferJoins(em, pairs.filter((p) => p.inference.blockNumber > completeHeight).map((p) => p.inference))
  await joinUnderTheirBlocks(em, pairs.filter((p) => p.inference.blockNumber <= completeHeight))
}

/** Every event of every block up to the returned height has been applied (-1 before any). */
export async function readCompleteHeight(q: Queryable): Promise<number> {
  // With several chains, the least complete one bounds every join (an inference id does not name its chain).
  const [row] = await q.query('SELECT min(complete_height) AS height FROM chain_progress')
  return row?.height ?? -1
}

export async function saveCompleteHeight(em: EntityManager, chainId: number, height: number): Promise<void> {
  await em.query(
    `INSERT INTO chain_progress (chain_id, complete_height) VALUES ($1, $2)
     ON CONFLICT (chain_id) DO UPDATE SET complete_height = excluded.complete_height`,
    [chainId, height],
  )
}

type SettledRow = SettledInference & { blockHash: string; closed: boolean; mode: AttributionMode }

async function settledInferences(em: EntityManager, ids: readonly string[]): Promise<Map<string, SettledRow>> {
  if (ids.length === 0) return new Map()
  const rows: (Omit<SettledRow, 'dataPart'> & { dataPart: string })[] = await em.query(
    `SELECT i.id, i.model_id AS "modelId", m.base_model_id AS "baseModelId", i.model_owner_id AS "modelOwnerId",
            i.data_part::text AS "dataPart", i.block_number AS "blockNumber", i.block_hash AS "blockHash", i.epoch,
            i.mode, e.status = 'CLOSED' AS closed
     FROM inference i JOIN model m ON m.id = i.model_id JOIN epoch e ON e.id = i.epoch::text
     WHERE i.id = ANY($1) ORDER BY i.epoch FOR UPDATE OF e`,
    [ids],
  )
  // Epoch rows are locked (oldest first, as settlements take them) so that an epoch cannot close under the joins.
  return new Map(rows.map((s) => [s.id, { ...s, dataPart: BigInt(s.dataPart) }]))
}

async function deferJoins(em: EntityManager, inferences: readonly SettledInference[]) {
  if (inferences.length === 0) return
  await em.query(
    `INSERT INTO deferred_join (inference_id, block_number) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (inference_id) DO UPDATE SET block_number = excluded.block_number`,
    [inferences.map((i) => i.id), inferences.map((i) => i.blockNumber)],
  )
}

/** Joins to inferences written before, each join's changes recorded under its settlement's block while hot. */
async function joinUnderTheirBlocks(em: EntityManager, pairs: readonly (JoinPair & { inference: SettledRow })[]) {
  if (pairs.length === 0) return
  const hotBlocks = await blocksStillHot(em, pairs.map((p) => p.inference))
  const byBlock = new Map<string, { block: { number: number; hash: string } | null; pairs: JoinPair[] }>()
  for (const pair of pairs) {
    const hot = hotBlocks.has(pair.inference.blockHash)
    const block = hot ? { number: pair.inference.blockNumber, hash: pair.inference.blockHash } : null
    const key = block?.hash ?? ''
    if (!byBlock.has(key)) byBlock.set(key, { block, pairs: [] })
    byBlock.get(key)!.pairs.push(pair)
  }
  // Always set: the caller may be recording another block's changes (a chain batch ends in a hot block).
  for (const { block, pairs: inBlock } of byBlock.values()) {
    await recordChangesOf(em, block)
    await joinToSettled(em, inBlock)
  }
  await recordChangesOf(em, null)
}

/**
 * The blocks of these settlements that a fork could still orphan: above the finalized height, and applied as hot
 * (their settlement left undo rows). A settlement the ingester published as final left none, so its join is not
 * recorded either: in a catch-up every block is final before the next finality marker says so, and recording
 * joins block by block would cut them into a few statements per block.
 */
async function blocksStillHot(em: EntityManager, inferences: readonly SettledRow[]): Promise<Set<string>> {
  const [{ finalized }] = await em.query('SELECT max(finalized_height) AS finalized FROM chain_state')
  const candidates = [...new Set(inferences.filter((i) => finalized == null || i.blockNumber > finalized).map((i) => i.blockHash))]
  if (candidates.length === 0) return new Set()
  const rows: { hash: string }[] = await em.query('SELECT DISTINCT block_hash AS hash FROM undo_log WHERE block_hash = ANY($1)', [candidates])
  return new Set(rows.map((r) => r.hash))
}

interface JoinPair {
  inference: SettledInference
  usage: UsageRecord
}

export interface Joined extends Planned {
  usage: UsageRecord
}

/**
 * A stored record naming another model than its settlement is refused (and deleted: it came first, it cannot
 * pay this settlement's data); the other pairs may join.
 */
function refuseMismatches(pairs: readonly JoinPair[]): { pairs: JoinPair[]; refused: Map<string, RefusedUsage> } {
  const refused = new Map<string, RefusedUsage>()
  for (const { usage, inference } of pairs) {
    if (usage.modelId === inference.modelId) continue
    refused.set(inference.id, {
      reason: 'model-mismatch',
      detail: `usage record names model ${usage.modelId}, the settlement model ${inference.modelId}`,
      original: Buffer.from(JSON.stringify(usage)),
    })
  }
  return { pairs: pairs.filter((p) => p.usage.modelId === p.inference.modelId), refused }
}

/** Plans the attribution of settled inferences, whose blocks are complete, by their usage records. */
async function planJoins(q: Queryable, pairs: readonly JoinPair[]): Promise<Map<string, Joined>> {
  const planned = await planByUsage(
    q,
    pairs.map(({ inference, usage }) => ({ inference, attributions: usage.attributions as { contributionId: string; weight: number }[] })),
  )
  return new Map(planned.map((p, k) => [p.inference.id, { ...p, usage: pairs[k].usage }]))
}

/** The joins' edges and earnings (a record is joined when its inference row has its details: usage_at). */
async function writeJoins(em: EntityManager, joined: ReadonlyMap<string, Joined>) {
  if (joined.size === 0) return
  await writeEdges(em, [...joined.values()])
}

/** Joins usage records to inferences written before: the inference rows get the mode and the record's details. */
async function joinToSettled(em: EntityManager, pairs: readonly JoinPair[]) {
  const joined = await planJoins(em, pairs)
  const rows = [...joined.values()]
  await em.query(
    `UPDATE inference i SET mode = t.mode, tokens_in = t.tokens_in, tokens_out = t.tokens_out, node = t.node, usage_at = t.usage_at
     FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::timestamptz[]) AS t(id, mode, tokens_in, tokens_out, node, usage_at)
     WHERE i.id = t.id`,
    [
      rows.map((j) => j.inference.id),
      rows.map((j) => j.mode),
      rows.map((j) => j.usage.tokensIn),
      rows.map((j) => j.usage.tokensOut),
      rows.map((j) => j.usage.node),
      rows.map((j) => j.usage.timestamp.toISOString()),
    ],
  )
  await writeJoins(em, joined)
}

/** An accepted settlement with the usage record joined to it as it is written, if any. */
type InferenceRow = AcceptedSettlement & { joined?: Joined }

const INFERENCE_COLUMNS: AppendColumn<InferenceRow>[] = [
  { name: 'id', type: 'text', value: (r) => r.inference.id },
  { name: 'model_id', type: 'text', value: (r) => r.inference.modelId },
  { name: 'model_owner_id', type: 'text', value: (r) => r.inference.modelOwnerId },
  { name: 'agent_id', type: 'text', value: (r) => (r.agentKnown ? r.event.payload.agentId : null) },
  { name: 'on_chain_agent_id', type: 'text', value: (r) => r.event.payload.agentId },
  { name: 'payer', type: 'text', value: (r) => r.event.payload.payer },
  { name: 'fee', type: 'numeric', value: (r) => r.event.payload.fee },
  { name: 'platform_fee', type: 'numeric', value: (r) => r.event.payload.platformFee },
  { name: 'net', type: 'numeric', value: (r) => r.split.net },
  { name: 'model_part', type: 'numeric', value: (r) => r.split.model },
  { name: 'stakers_part', type: 'numeric', value: (r) => r.split.stakers },
  { name: 'data_part', type: 'numeric', value: (r) => r.split.data },
  { name: 'model_bps', type: 'int', value: (r) => r.feeSplit.modelBps },
  { name: 'stakers_bps', type: 'int', value: (r) => r.feeSplit.stakersBps },
  { name: 'data_bps', type: 'int', value: (r) => r.feeSplit.dataBps },
  { name: 'block_number', type: 'int', value: (r) => r.inference.blockNumber },
  { name: 'block_hash', type: 'text', value: (r) => r.event.block!.hash },
  { name: 'log_index', type: 'int', value: (r) => r.event.logIndex! },
  { name: 'epoch', type: 'int', value: (r) => r.inference.epoch },
  { name: 'settled_at', type: 'timestamptz', value: (r) => r.event.occurredAt },
  { name: 'tx_hash', type: 'text', value: (r) => r.event.txHash ?? '' },
  { name: 'mode', type: 'text', value: (r) => r.joined?.mode ?? AttributionMode.AWAITING_USAGE },
  { name: 'tokens_in', type: 'int', value: (r) => r.joined?.usage.tokensIn },
  { name: 'tokens_out', type: 'int', value: (r) => r.joined?.usage.tokensOut },
  { name: 'node', type: 'text', value: (r) => r.joined?.usage.node },
  { name: 'usage_at', type: 'timestamptz', value: (r) => r.joined?.usage.timestamp.toISOString() },
]

async function insertInferences(em: EntityManager, accepted: readonly AcceptedSettlement[], joined: ReadonlyMap<string, Joined>) {
  await appendRows(em, 'inference', INFERENCE_COLUMNS, accepted.map((a) => ({ ...a, joined: joined.get(a.inference.id) })))
}

/** The batch's fees added to its epochs and to the per-epoch model and agent statistics, one row per key. */
async function addSettlementTotals(em: EntityManager, accepted: readonly AcceptedSettlement[]) {
  const byEpoch = totalsBy(accepted, (a) => String(a.inference.epoch))
  await em.query(
    `UPDATE epoch e SET inferences = e.inferences + t.n, fees = e.fees + t.fees, platform_fees = e.platform_fees + t.platform_fees,
       net_fees = e.net_fees + t.net, stakers_pool = e.stakers_pool + t.stakers
     FROM unnest($1::text[], $2::int[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[]) AS t(id, n, fees, platform_fees, net, stakers)
     WHERE e.id = t.id`,
    [
      byEpoch.map((t) => t.key),
      byEpoch.map((t) => t.inferences),
      byEpoch.map((t) => t.fees.toString()),
      byEpoch.map((t) => t.platformFees.toString()),
      byEpoch.map((t) => t.net.toString()),
      byEpoch.map((t) => t.stakers.toString()),
    ],
  )
  const byModel = totalsBy(accepted, (a) => a.inference.modelId)
  await em.query(
    `INSERT INTO model_epoch_stat (id, model_id, epoch, inferences, fees, net_fees, data_part)
     SELECT epoch || '-' || model, model, epoch, n, fees, net, data
     FROM unnest($1::text[], $2::int[], $3::int[], $4::numeric[], $5::numeric[], $6::numeric[]) AS t(model, epoch, n, fees, net, data)
     ON CONFLICT (id) DO UPDATE SET inferences = model_epoch_stat.inferences + excluded.inferences, fees = model_epoch_stat.fees + excluded.fees,
       net_fees = model_epoch_stat.net_fees + excluded.net_fees, data_part = model_epoch_stat.data_part + excluded.data_part`,
    [
      byModel.map((t) => t.key),
      byModel.map((t) => t.epoch),
      byModel.map((t) => t.inferences),
      byModel.map((t) => t.fees.toString()),
      byModel.map((t) => t.net.toString()),
      byModel.map((t) => t.data.toString()),
    ],
  )
  const byAgent = totalsBy(accepted.filter((a) => a.agentKnown), (a) => a.event.payload.agentId)
  if (byAgent.length === 0) return
  await em.query(
    `INSERT INTO agent_epoch_stat (id, agent_id, epoch, inferences, fees)
     SELECT epoch || '-' || agent, agent, epoch, n, fees FROM unnest($1::text[], $2::int[], $3::int[], $4::numeric[]) AS t(agent, epoch, n, fees)
     ON CONFLICT (id) DO UPDATE SET inferences = agent_epoch_stat.inferences + excluded.inferences, fees = agent_epoch_stat.fees + excluded.fees`,
    [byAgent.map((t) => t.key), byAgent.map((t) => t.epoch), byAgent.map((t) => t.inferences), byAgent.map((t) => t.fees.toString())],
  )
}

interface Totals {
  key: string
  epoch: number
  inferences: number
  fees: bigint
  platformFees: bigint
  net: bigint
  stakers: bigint
  data: bigint
}

/** Per (epoch, key) totals of settlements, sorted, so concurrent projectors upsert shared rows in one order. */
function totalsBy(accepted: readonly AcceptedSettlement[], keyOf: (a: AcceptedSettlement) => string): Totals[] {
  const totals = new Map<string, Totals>()
  for (const a of accepted) {
    const key = keyOf(a)
    const id = `${a.inference.epoch}-${key}`
    let t = totals.get(id)
    if (!t) totals.set(id, (t = { key, epoch: a.inference.epoch, inferences: 0, fees: 0n, platformFees: 0n, net: 0n, stakers: 0n, data: 0n }))
    t.inferences++
    t.fees += BigInt(a.event.payload.fee)
    t.platformFees += BigInt(a.event.payload.platformFee)
    t.net += a.split.net
    t.stakers += a.split.stakers
    t.data += a.split.data
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => t)
}

/**
 * The fee split in force at each settlement's log: the model's latest FeeSplitSet at or before it (by block and
 * log index), or the configured default. A model's changes are few, so they are loaded once per batch.
 */
async function feeSplitsOf(q: Queryable, modelIds: readonly string[], upToBlock: number, fallback: FeeSplit) {
  const changes: (FeeSplit & { modelId: string; blockNumber: number; logIndex: number })[] = await q.query(
    `SELECT model_id AS "modelId", block_number AS "blockNumber", log_index AS "logIndex",
            model_bps AS "modelBps", stakers_bps AS "stakersBps", data_bps AS "dataBps"
     FROM fee_split_change WHERE model_id = ANY($1) AND block_number <= $2 ORDER BY block_number, log_index`,
    [modelIds, upToBlock],
  )
  return (modelId: string, block: number, logIndex: number): FeeSplit => {
    let inForce: FeeSplit = fallback
    for (const change of changes) {
      if (change.blockNumber > block || (change.blockNumber === block && change.logIndex > logIndex)) break
      if (change.modelId === modelId) inForce = { modelBps: change.modelBps, stakersBps: change.stakersBps, dataBps: change.dataBps }
    }
    return inForce
  }
}

function rejected(reason: string, detail: string): SettlementOutcome {
  return { rejected: { reason, detail } }
}

/** The UsageRecord row of a signed record. */
export function usageRecordEntity(record: SignedUsageRecord): UsageRecord {
  return new UsageRecord({
    id: record.inferenceId,
    modelId: record.modelId,
    agentId: record.agentId,
    node: record.node,
    tokensIn: record.tokensIn,
    tokensOut: record.tokensOut,
    timestamp: new Date(record.timestamp * 1000),
    attributions: record.attributions,
  })
}

/** The stored usage records of these inferences: one `= ANY` lookup, without the query builder's per-id parameters. */
async function usageRecordsOf(q: Queryable, ids: readonly string[]): Promise<UsageRecord[]> {
  if (ids.length === 0) return []
  const rows: UsageRecord[] = await q.query(
    `SELECT id, model_id AS "modelId", agent_id AS "agentId", node, tokens_in AS "tokensIn", tokens_out AS "tokensOut",
       timestamp, attributions
     FROM usage_record WHERE id = ANY($1::text[])`,
    [ids],
  )
  return rows.map((row) => new UsageRecord(row))
}

const USAGE_RECORD_COLUMNS: AppendColumn<UsageRecord>[] = [
  { name: 'id', type: 'text', value: (r) => r.id },
  { name: 'model_id', type: 'text', value: (r) => r.modelId },
  { name: 'agent_id', type: 'text', value: (r) => r.agentId },
  { name: 'node', type: 'text', value: (r) => r.node },
  { name: 'tokens_in', type: 'int', value: (r) => r.tokensIn },
  { name: 'tokens_out', type: 'int', value: (r) => r.tokensOut },
  { name: 'timestamp', type: 'timestamptz', value: (r) => r.timestamp.toISOString() },
  { name: 'attributions', type: 'jsonb', value: (r) => JSON.stringify(r.attributions) },
]

async function insertUsageRecords(em: EntityManager, records: readonly UsageRecord[]) {
  await appendRows(em, 'usage_record', USAGE_RECORD_COLUMNS, records)
}

function sameContent(stored: UsageRecord, record: SignedUsageRecord): boolean {
  return (
    stored.modelId === record.modelId &&
    stored.agentId === record.agentId &&
    stored.node === record.node &&
    stored.tokensIn === record.tokensIn &&
    stored.tokensOut === record.tokensOut &&
    stored.timestamp.getTime() === record.timestamp * 1000 &&
    JSON.stringify(attributionTuples(stored.attributions)) === JSON.stringify(attributionTuples(record.attributions))
  )
}

/** jsonb does not keep an object's key order, so attributions are compared as [id, weight] pairs. */
function attributionTuples(attributions: unknown): [string, number][] {
  return (attributions as { contributionId: string; weight: number }[]).map((a) => [a.contributionId, a.weight])
}
