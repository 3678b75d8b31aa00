import type { EntityManager } from 'typeorm'
import { equalWeights, splitDataPart, type Attribution } from '../../domain/fee-split.js'
import { AttributionMode } from '../../model/index.js'

/**
 * How an inference's data part reaches contributions (DESIGN.md, "Money math"): by the usage record's weights
 * over contributions accepted and unslashed as of the settlement's block; failing that, equal weights over the
 * accepted, unslashed contributions of the model's datanets (an adapter also counts its base model's
 * datanets); failing that, to the model owner.
 */
export interface SettledInference {
  id: string
  modelId: string
  baseModelId: string | null
  modelOwnerId: string
  dataPart: bigint
  blockNumber: number
  epoch: number
}

interface EarningContribution {
  id: string
  contributorId: string
  datanetId: string
}

/** Contributions that earn at block `b`: accepted by then (reviewed at or before b) and not slashed by then. */
const EARNS_AT_BLOCK = `c.status = 'ACCEPTED' AND c.reviewed_at_block <= $2
  AND (c.slashed_at_block IS NULL OR c.slashed_at_block > $2)`

export async function attributeByUsage(
  em: EntityManager,
  inference: SettledInference,
  attributions: { contributionId: string; weight: number }[],
): Promise<AttributionMode> {
  const positive = attributions.filter((a) => a.weight > 0)
  const earning: EarningContribution[] = positive.length
    ? await em.query(
        `SELECT c.id, c.contributor_id AS "contributorId", c.datanet_id AS "datanetId" FROM contribution c
         WHERE c.id = ANY($1) AND ${EARNS_AT_BLOCK}`,
        [positive.map((a) => a.contributionId), inference.blockNumber],
      )
    : []
  if (earning.length === 0) return attributeByFallback(em, inference)
  const byId = new Map(earning.map((c) => [c.id, c]))
  const weights: Attribution[] = positive
    .filter((a) => byId.has(a.contributionId))
    .map((a) => ({ contributionId: a.contributionId, weight: BigInt(a.weight) }))
  await payContributions(em, inference, splitDataPart(inference.dataPart, weights), weights, byId)
  return AttributionMode.USAGE
}

export async function attributeByFallback(em: EntityManager, inference: SettledInference): Promise<AttributionMode> {
  const models = inference.baseModelId ? [inference.modelId, inference.baseModelId] : [inference.modelId]
  const earning: EarningContribution[] = await em.query(
    `SELECT c.id, c.contributor_id AS "contributorId", c.datanet_id AS "datanetId" FROM contribution c
     WHERE c.datanet_id IN (SELECT md.datanet_id FROM model_datanet md WHERE md.model_id = ANY($1)) AND ${EARNS_AT_BLOCK}`,
    [models, inference.blockNumber],
  )
  if (earning.length === 0) return AttributionMode.OWNER
  const weights = equalWeights(earning.map((c) => c.id))
  const byId = new Map(earning.map((c) => [c.id, c]))
  await payContributions(em, inference, splitDataPart(inference.dataPart, weights), weights, byId)
  return AttributionMode.FALLBACK
}

async function payContributions(
  em: EntityManager,
  inference: SettledInference,
  amounts: Map<string, bigint>,
  weights: Attribution[],
  contributions: Map<string, EarningContribution>,
): Promise<void> {
  const weightById = new Map<string, bigint>()
  for (const w of weights) weightById.set(w.contributionId, (weightById.get(w.contributionId) ?? 0n) + w.weight)
  const ids = [...amounts.keys()]
  const rows = ids.map((id) => ({ c: contributions.get(id)!, amount: amounts.get(id)!, weight: weightById.get(id)! }))
  await em.query(
    `INSERT INTO attribution_edge (id, inference_id, contribution_id, contributor_id, datanet_id, weight, amount, epoch)
     SELECT $1 || '-' || cid, $1, cid, contributor, datanet, weight, amount, $2
     FROM unnest($3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[]) AS t(cid, contributor, datanet, weight, amount)`,
    [
      inference.id,
      inference.epoch,
      rows.map((r) => r.c.id),
      rows.map((r) => r.c.contributorId),
      rows.map((r) => r.c.datanetId),
      rows.map((r) => r.weight.toString()),
      rows.map((r) => r.amount.toString()),
    ],
  )
  await addEarnings(em, 'contributor_epoch_stat', 'contributor_id', inference.epoch, sumBy(rows, (r) => r.c.contributorId))
  await addEarnings(em, 'datanet_epoch_stat', 'datanet_id', inference.epoch, sumBy(rows, (r) => r.c.datanetId))
}

function sumBy<T extends { amount: bigint }>(rows: T[], key: (row: T) => string): Map<string, { amount: bigint; count: number }> {
  const sums = new Map<string, { amount: bigint; count: number }>()
  for (const row of rows) {
    const k = key(row)
    const entry = sums.get(k) ?? { amount: 0n, count: 0 }
    entry.amount += row.amount
    entry.count++
    sums.set(k, entry)
  }
  return sums
}

async function addEarnings(
  em: EntityManager,
  table: 'contributor_epoch_stat' | 'datanet_epoch_stat',
  ownerColumn: 'contributor_id' | 'datanet_id',
  epoch: number,
  sums: Map<string, { amount: bigint; count: number }>,
): Promise<void> {
  if (sums.size === 0) return
  const owners = [...sums.keys()]
  await em.query(
    `INSERT INTO ${table} (id, ${ownerColumn}, epoch, amount, attributions)
     SELECT $1::int || '-' || owner, owner, $1::int, amount, n FROM unnest($2::text[], $3::numeric[], $4::int[]) AS t(owner, amount, n)
     ON CONFLICT (id) DO UPDATE SET amount = ${table}.amount + excluded.amount, attributions = ${table}.attributions + excluded.attributions`,
    [epoch, owners, owners.map((o) => sums.get(o)!.amount.toString()), owners.map((o) => sums.get(o)!.count)],
  )
}
