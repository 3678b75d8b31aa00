import type { EntityManager } from 'typeorm'
import { epochOf } from '../../domain/epoch.js'
import { splitSettlement, type FeeSplit } from '../../domain/fee-split.js'
import type { UsageRecord as SignedUsageRecord } from '../../domain/usage-record.js'
import { recordChangesOf } from '../../db/undo.js'
import { AttributionMode, Inference, UsageRecord } from '../../model/index.js'
import { RejectedEvent } from '../rejection.js'
import { attributeByUsage, type SettledInference } from './attribution.js'
import { onChain, type Of } from './context.js'
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

/**
 * Settlements and usage records meet here, in either order. Both paths take a transaction-scoped advisory
 * lock on the inference id, so two projector instances applying the two halves at once cannot both miss the
 * other (write skew under READ COMMITTED).
 */
async function lockInference(em: EntityManager, inferenceId: string) {
  await em.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [inferenceId])
}

export async function onInferenceSettled(
  em: EntityManager,
  settings: ProjectionSettings,
  event: Of<'InferenceSettled'>,
): Promise<RefusedUsage | undefined> {
  const { inferenceId, modelId, agentId, payer, fee, platformFee } = event.payload
  const { blockNumber, logIndex, at, txHash } = onChain(event)
  await lockInference(em, inferenceId)
  const [model]: { ownerId: string; baseModelId: string | null }[] = await em.query(
    'SELECT owner_id AS "ownerId", base_model_id AS "baseModelId" FROM model WHERE id = $1',
    [modelId],
  )
  if (!model) throw new RejectedEvent('unknown-model', `settlement ${inferenceId} of model ${modelId}, which does not exist`)
  if (await em.existsBy(Inference, { id: inferenceId })) {
    throw new RejectedEvent('duplicate-settlement', `inference ${inferenceId} was already settled`)
  }
  const feeSplit = await feeSplitAt(em, modelId, blockNumber, logIndex, settings.defaultFeeSplit)
  const split = splitSettlement(BigInt(fee), BigInt(platformFee), feeSplit)
  if (!split.ok) throw new RejectedEvent(split.reason, split.detail)
  const { net, model: modelPart, stakers, data } = split.value
  const epoch = epochOf(blockNumber, settings.epochBlocks)
  const epochRow = await ensureEpoch(em, epoch, settings.epochBlocks)
  if (epochRow.closed) throw new RejectedEvent('epoch-closed', `settlement at block ${blockNumber} in closed epoch ${epoch}`)
  const [agent] = agentId === '0' ? [] : await em.query('SELECT id FROM agent WHERE id = $1', [agentId])

  await em.insert(Inference, {
    id: inferenceId,
    model: { id: modelId },
    modelOwner: { id: model.ownerId },
    agent: agent ? { id: agentId } : null,
    onChainAgentId: agentId,
    payer,
    fee: BigInt(fee),
    platformFee: BigInt(platformFee),
    net,
    modelPart,
    stakersPart: stakers,
    dataPart: data,
    ...feeSplit,
    mode: AttributionMode.AWAITING_USAGE,
    blockNumber,
    blockHash: event.block!.hash,
    logIndex,
    epoch,
    settledAt: at,
    txHash,
  } as object)
  await em.query(
    `UPDATE epoch SET inferences = inferences + 1, fees = fees + $2, platform_fees = platform_fees + $3,
       net_fees = net_fees + $4, stakers_pool = stakers_pool + $5 WHERE id = $1`,
    [String(epoch), fee, platformFee, net.toString(), stakers.toString()],
  )
  await em.query(
    `INSERT INTO model_epoch_stat (id, model_id, epoch, inferences, fees, net_fees, data_part)
     VALUES ($1::int || '-' || $2, $2, $1, 1, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET inferences = model_epoch_stat.inferences + 1, fees = model_epoch_stat.fees + excluded.fees,
       net_fees = model_epoch_stat.net_fees + excluded.net_fees, data_part = model_epoch_stat.data_part + excluded.data_part`,
    [epoch, modelId, fee, net.toString(), data.toString()],
  )
  if (agent) {
    await em.query(
      `INSERT INTO agent_epoch_stat (id, agent_id, epoch, inferences, fees) VALUES ($1::int || '-' || $2, $2, $1, 1, $3)
       ON CONFLICT (id) DO UPDATE SET inferences = agent_epoch_stat.inferences + 1, fees = agent_epoch_stat.fees + excluded.fees`,
      [epoch, agentId, fee],
    )
  }
  const waiting = await em.findOneBy(UsageRecord, { id: inferenceId, joined: false })
  if (!waiting) return undefined
  const inference = { id: inferenceId, modelId, baseModelId: model.baseModelId, modelOwnerId: model.ownerId, dataPart: data, blockNumber, epoch }
  return join(em, inference, waiting)
}

/**
 * A usage record from the usage topic: kept (so a settlement arriving later finds it), and joined now if its
 * settlement is already in. The join's changes are recorded as those of the settlement's block while that
 * block is not final, so a fork that orphans the settlement also undoes the join (the record itself stays).
 */
export async function onUsageRecorded(em: EntityManager, record: SignedUsageRecord): Promise<RefusedUsage | undefined> {
  const inferenceId = record.inferenceId
  await lockInference(em, inferenceId)
  const existing = await em.findOneBy(UsageRecord, { id: inferenceId })
  if (existing) {
    return sameContent(existing, record)
      ? undefined
      : { reason: 'conflicting-duplicate', detail: `another usage record for ${inferenceId} was applied before` }
  }
  const [settled]: (SettledInference & { blockHash: string; closed: boolean; finalized: number | null })[] = await em.query(
    `SELECT i.id, i.model_id AS "modelId", m.base_model_id AS "baseModelId", i.model_owner_id AS "modelOwnerId",
            i.data_part::text AS "dataPart", i.block_number AS "blockNumber", i.block_hash AS "blockHash", i.epoch,
            e.status = 'CLOSED' AS closed, (SELECT max(finalized_height) FROM chain_state) AS finalized
     FROM inference i JOIN model m ON m.id = i.model_id JOIN epoch e ON e.id = i.epoch::text
     WHERE i.id = $1 FOR UPDATE OF e`,
    [inferenceId],
  )
  if (settled?.closed) return { reason: 'epoch-closed', detail: `usage record ${inferenceId} arrived after epoch ${settled.epoch} closed` }
  if (settled && settled.modelId !== record.modelId) {
    return { reason: 'model-mismatch', detail: `usage record names model ${record.modelId}, the settlement model ${settled.modelId}` }
  }
  const usage = await insertUsageRecord(em, record)
  if (!settled) return undefined
  const hot = settled.finalized == null || settled.blockNumber > settled.finalized
  if (hot) await recordChangesOf(em, { number: settled.blockNumber, hash: settled.blockHash })
  await join(em, { ...settled, dataPart: BigInt(settled.dataPart) }, usage)
  if (hot) await recordChangesOf(em, null)
  return undefined
}

async function join(em: EntityManager, inference: SettledInference, usage: UsageRecord): Promise<RefusedUsage | undefined> {
  if (usage.modelId !== inference.modelId) {
    // The record came first and named another model: it cannot pay this settlement's data.
    await em.delete(UsageRecord, { id: usage.id })
    return {
      reason: 'model-mismatch',
      detail: `usage record names model ${usage.modelId}, the settlement model ${inference.modelId}`,
      original: Buffer.from(JSON.stringify(usage)),
    }
  }
  const attributions = usage.attributions as { contributionId: string; weight: number }[]
  const mode = await attributeByUsage(em, inference, attributions)
  await em.update(Inference, { id: inference.id }, {
    mode,
    tokensIn: usage.tokensIn,
    tokensOut: usage.tokensOut,
    node: usage.node,
    usageAt: usage.timestamp,
  })
  await em.update(UsageRecord, { id: usage.id }, { joined: true })
  return undefined
}

/** The UsageRecord row of a signed record, not yet joined to its settlement. */
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
    joined: false,
  })
}

async function insertUsageRecord(em: EntityManager, record: SignedUsageRecord): Promise<UsageRecord> {
  const usage = usageRecordEntity(record)
  await em.insert(UsageRecord, { ...usage, attributions: record.attributions })
  return usage
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

/** The model's latest FeeSplitSet at or before the settlement's log, or the configured default. */
async function feeSplitAt(em: EntityManager, modelId: string, block: number, logIndex: number, fallback: FeeSplit): Promise<FeeSplit> {
  const [latest]: FeeSplit[] = await em.query(
    `SELECT model_bps AS "modelBps", stakers_bps AS "stakersBps", data_bps AS "dataBps" FROM fee_split_change
     WHERE model_id = $1 AND (block_number, log_index) <= ($2, $3) ORDER BY block_number DESC, log_index DESC LIMIT 1`,
    [modelId, block, logIndex],
  )
  return latest ?? fallback
}
