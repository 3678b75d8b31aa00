import type { EntityManager } from 'typeorm'
import {
  attributionEdgeId,
  fallbackEdges,
  usageEdges,
  type AttributionEdge,
  type ContributionState,
} from '../../domain/attribution.js'
import { appendRows, type AppendColumn } from '../../db/append-rows.js'
import { AttributionMode } from '../../model/index.js'
import type { Queryable } from './context.js'

/**
 * Pays inferences' data parts to contributions (the rule: src/domain/attribution.ts), a batch at a time: the
 * contributions are loaded once per batch, the money is split in memory, and the edges and per-epoch earnings
 * are written with one statement per table.
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

/** How one inference's data part is paid; `edges` is empty unless the mode is USAGE or FALLBACK. */
export interface Planned {
  inference: SettledInference
  mode: AttributionMode
  edges: AttributionEdge[]
}

const CONTRIBUTION_STATE = `c.id, c.contributor_id AS "contributorId", c.datanet_id AS "datanetId", c.status,
  c.reviewed_at_block AS "reviewedAtBlock", c.slashed_at_block AS "slashedAtBlock"`

/** By each usage record's weights, falling back where no attribution qualifies; in the order given. */
export async function planByUsage(
  q: Queryable,
  items: readonly { inference: SettledInference; attributions: readonly { contributionId: string; weight: number }[] }[],
): Promise<Planned[]> {
  const named = new Set(items.flatMap((i) => i.attributions.filter((a) => a.weight > 0).map((a) => a.contributionId)))
  const contributions: ContributionState[] = named.size
    ? await q.query(`SELECT ${CONTRIBUTION_STATE} FROM contribution c WHERE c.id = ANY($1)`, [[...named]])
    : []
  const byId = new Map(contributions.map((c) => [c.id, c]))
  const byUsage = items.map(({ inference, attributions }) => ({
    inference,
    edges: usageEdges(inference.dataPart, attributions, byId, inference.blockNumber),
  }))
  const fallback = new Map(
    (await planFallback(q, byUsage.filter((p) => !p.edges).map((p) => p.inference))).map((p) => [p.inference.id, p]),
  )
  return byUsage.map(({ inference, edges }) => (edges ? { inference, mode: AttributionMode.USAGE, edges } : fallback.get(inference.id)!))
}

/** Equal weights over the model's datanets' earning contributions, else the model owner; in the order given. */
export async function planFallback(q: Queryable, inferences: readonly SettledInference[]): Promise<Planned[]> {
  if (inferences.length === 0) return []
  const models = new Set(inferences.flatMap((i) => (i.baseModelId ? [i.modelId, i.baseModelId] : [i.modelId])))
  const rows: (ContributionState & { modelId: string })[] = await q.query(
    `SELECT md.model_id AS "modelId", ${CONTRIBUTION_STATE}
     FROM model_datanet md JOIN contribution c ON c.datanet_id = md.datanet_id
     WHERE md.model_id = ANY($1) AND c.status = 'ACCEPTED'`,
    [[...models]],
  )
  const byModel = new Map<string, ContributionState[]>()
  for (const { modelId, ...contribution } of rows) {
    const list = byModel.get(modelId) ?? []
    list.push(contribution)
    byModel.set(modelId, list)
  }
  return inferences.map((inference) => {
    // A contribution reachable through both the adapter and its base model counts once.
    const candidates = new Map<string, ContributionState>()
    for (const model of inference.baseModelId ? [inference.modelId, inference.baseModelId] : [inference.modelId]) {
      for (const c of byModel.get(model) ?? []) candidates.set(c.id, c)
    }
    const edges = fallbackEdges(inference.dataPart, [...candidates.values()], inference.blockNumber)
    return edges ? { inference, mode: AttributionMode.FALLBACK, edges } : { inference, mode: AttributionMode.OWNER, edges: [] }
  })
}

type EdgeRow = { inference: SettledInference; edge: AttributionEdge }

const EDGE_COLUMNS: AppendColumn<EdgeRow>[] = [
  { name: 'id', type: 'text', value: (r) => attributionEdgeId(r.inference, r.edge.contributionId) },
  { name: 'inference_id', type: 'text', value: (r) => r.inference.id },
  { name: 'contribution_id', type: 'text', value: (r) => r.edge.contributionId },
  { name: 'contributor_id', type: 'text', value: (r) => r.edge.contributorId },
  { name: 'datanet_id', type: 'text', value: (r) => r.edge.datanetId },
  { name: 'weight', type: 'numeric', value: (r) => r.edge.weight },
  { name: 'amount', type: 'numeric', value: (r) => r.edge.amount },
  { name: 'epoch', type: 'int', value: (r) => r.inference.epoch },
]

/**
 * Writes planned edges and adds them to the per-epoch earnings of contributors and datanets. The rows go in the
 * order of their keys (`<block>-<inference>-<contribution>`, compared as bytes): each insert then lands at the
 * right end of the key's B-tree, where PostgreSQL appends without a descent and fills the pages it splits,
 * instead of at random places within the block's range.
 */
export async function writeEdges(em: EntityManager, planned: readonly Planned[]): Promise<void> {
  const rows: EdgeRow[] = [...planned]
    .sort((a, b) => a.inference.blockNumber - b.inference.blockNumber || byteOrder(a.inference.id, b.inference.id))
    .flatMap(({ inference, edges }) => [...edges].sort((a, b) => byteOrder(a.contributionId, b.contributionId)).map((edge) => ({ inference, edge })))
  if (rows.length === 0) return
  await appendRows(em, 'attribution_edge', EDGE_COLUMNS, rows)
  // One pass over the edges at the finest key; the coarser tables add up those sums, not the edges again.
  const finest = sumEarnings(rows)
  for (const earnings of EARNINGS) await addEarnings(em, earnings, finest)
}

/** Compares ASCII keys as PostgreSQL's "C" collation does. */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The finest key earnings are kept by; each per-epoch table is keyed by a part of it. */
interface EarningsKey {
  epoch: number
  model: string
  datanet: string
  contributor: string
}

interface EarningsSum {
  key: EarningsKey
  amount: bigint
  count: number
}

/** A per-epoch earnings table: its key columns after the epoch, and their values for an earnings key. */
interface EarningsTable {
  table: 'contributor_epoch_stat' | 'datanet_epoch_stat' | 'attribution_epoch_stat'
  columns: readonly string[]
  keyOf: (key: EarningsKey) => readonly string[]
}

const EARNINGS: readonly EarningsTable[] = [
  { table: 'contributor_epoch_stat', columns: ['contributor_id'], keyOf: (k) => [k.contributor] },
  { table: 'datanet_epoch_stat', columns: ['datanet_id'], keyOf: (k) => [k.datanet] },
  { table: 'attribution_epoch_stat', columns: ['model_id', 'datanet_id', 'contributor_id'], keyOf: (k) => [k.model, k.datanet, k.contributor] },
]

/** The edges' amounts and counts by EarningsKey (its id: the values joined by '-', epoch first). */
function sumEarnings(rows: readonly EdgeRow[]): EarningsSum[] {
  const sums = new Map<string, EarningsSum>()
  for (const { inference, edge } of rows) {
    const id = `${inference.epoch}-${inference.modelId}-${edge.datanetId}-${edge.contributorId}`
    let sum = sums.get(id)
    if (!sum) {
      const key = { epoch: inference.epoch, model: inference.modelId, datanet: edge.datanetId, contributor: edge.contributorId }
      sums.set(id, (sum = { key, amount: 0n, count: 0 }))
    }
    sum.amount += edge.amount
    sum.count++
  }
  return [...sums.values()]
}

/**
 * Adds a batch's earnings to one per-epoch table, one upsert row per key (the id is the key's values joined by
 * '-', epoch first), in id order so concurrent projectors lock shared rows in one order.
 */
async function addEarnings(em: EntityManager, { table, columns, keyOf }: EarningsTable, finest: readonly EarningsSum[]): Promise<void> {
  const sums = new Map<string, { epoch: number; values: readonly string[]; amount: bigint; count: number }>()
  for (const { key, amount, count } of finest) {
    const values = keyOf(key)
    const id = `${key.epoch}-${values.join('-')}`
    let sum = sums.get(id)
    if (!sum) sums.set(id, (sum = { epoch: key.epoch, values, amount: 0n, count: 0 }))
    sum.amount += amount
    sum.count += count
  }
  const ids = [...sums.keys()].sort()
  await em.query(
    `INSERT INTO ${table} (id, epoch, ${columns.join(', ')}, amount, attributions)
     SELECT * FROM unnest($1::text[], $2::int[], ${columns.map((_, k) => `$${k + 3}::text[]`).join(', ')}, $${columns.length + 3}::numeric[], $${columns.length + 4}::int[])
     ON CONFLICT (id) DO UPDATE SET amount = ${table}.amount + excluded.amount, attributions = ${table}.attributions + excluded.attributions`,
    [
      ids,
      ids.map((id) => sums.get(id)!.epoch),
      ...columns.map((_, k) => ids.map((id) => sums.get(id)!.values[k])),
      ids.map((id) => sums.get(id)!.amount.toString()),
      ids.map((id) => sums.get(id)!.count),
    ],
  )
}
