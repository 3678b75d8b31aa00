import type { EntitySpec } from './entities/spec.js'
import { userError } from './errors.js'
import { normalise } from './filters.js'
import { attachJoined, joinSql, type Join } from './references.js'
import type { Sql } from './sql.js'

/**
 * Rankings by earnings. Each scope has its own statement, chosen here: the per-epoch stat tables answer the
 * wide scopes from an index, the earnings by (epoch, model, datanet, contributor) the narrow ones, and the
 * attribution edges only the ranking of models, which counts distinct inferences. Ties go to the lower id, so a ranking is
 * deterministic. When a query asks the ranked entities for more than their ids, their rows are joined into the
 * ranking's statement (`joined`), so the ranking and its rows cost one statement.
 */

export interface EarningsScope {
  model?: string | null
  datanet?: string | null
  contributor?: string | null
  epoch?: number | null
}

export const MAX_RANKING = 100

type Ranked = Record<string, unknown> & {
  id: string
  amount: string
  count: number
}

/** The ranked entity's row to join into the ranking, under the field that returns it (`contributor`). */
export interface RankedRow {
  field: string
  entity: EntitySpec
}

const CONTRIBUTORS = {
  model: `SELECT s.contributor_id AS id, sum(s.amount)::text AS amount, sum(s.attributions)::int AS count
    FROM attribution_epoch_stat s
    WHERE s.model_id = $1 AND ($2::int IS NULL OR s.epoch = $2) AND ($3::text IS NULL OR s.datanet_id = $3)
    GROUP BY s.contributor_id ORDER BY sum(s.amount) DESC, s.contributor_id LIMIT $4`,
  datanet: `SELECT s.contributor_id AS id, sum(s.amount)::text AS amount, sum(s.attributions)::int AS count
    FROM attribution_epoch_stat s WHERE s.datanet_id = $1 AND ($2::int IS NULL OR s.epoch = $2)
    GROUP BY s.contributor_id ORDER BY sum(s.amount) DESC, s.contributor_id LIMIT $3`,
  // s.amount, not the text alias "amount": a bare name in ORDER BY means the output column.
  epoch: `SELECT s.contributor_id AS id, s.amount::text AS amount, s.attributions AS count FROM contributor_epoch_stat s
    WHERE s.epoch = $1 ORDER BY s.amount DESC, s.contributor_id LIMIT $2`,
  all: `SELECT contributor_id AS id, sum(amount)::text AS amount, sum(attributions)::int AS count FROM contributor_epoch_stat
    GROUP BY contributor_id ORDER BY sum(amount) DESC, contributor_id LIMIT $1`,
}

const DATANETS = {
  model: `SELECT s.datanet_id AS id, sum(s.amount)::text AS amount, sum(s.attributions)::int AS count
    FROM attribution_epoch_stat s
    WHERE s.model_id = $1 AND ($2::int IS NULL OR s.epoch = $2) AND ($3::text IS NULL OR s.contributor_id = $3)
    GROUP BY s.datanet_id ORDER BY sum(s.amount) DESC, s.datanet_id LIMIT $4`,
  contributor: `SELECT s.datanet_id AS id, sum(s.amount)::text AS amount, sum(s.attributions)::int AS count
    FROM attribution_epoch_stat s WHERE s.contributor_id = $1 AND ($2::int IS NULL OR s.epoch = $2)
    GROUP BY s.datanet_id ORDER BY sum(s.amount) DESC, s.datanet_id LIMIT $3`,
  epoch: `SELECT s.datanet_id AS id, s.amount::text AS amount, s.attributions AS count FROM datanet_epoch_stat s
    WHERE s.epoch = $1 ORDER BY s.amount DESC, s.datanet_id LIMIT $2`,
  all: `SELECT datanet_id AS id, sum(amount)::text AS amount, sum(attributions)::int AS count FROM datanet_epoch_stat
    GROUP BY datanet_id ORDER BY sum(amount) DESC, datanet_id LIMIT $1`,
}

const MODELS = {
  // Scoped by a datanet or a contributor (or both): their edges are those of their contributions, found by the
  // edge table's contribution index (it has none by datanet or contributor: entities/settlement.ts).
  attributed: `SELECT i.model_id AS id, sum(e.amount)::text AS amount, count(DISTINCT i.id)::int AS count
    FROM attribution_edge e JOIN inference i ON i.id = e.inference_id
    WHERE e.contribution_id IN (SELECT c.id FROM contribution c
        WHERE ($1::text IS NULL OR c.datanet_id = $1) AND ($2::text IS NULL OR c.contributor_id = $2))
      AND ($3::int IS NULL OR e.epoch = $3)
    GROUP BY i.model_id ORDER BY sum(e.amount) DESC, i.model_id LIMIT $4`,
  fees: `SELECT model_id AS id, sum(net_fees)::text AS amount, sum(inferences)::int AS count FROM model_epoch_stat
    WHERE ($1::int IS NULL OR epoch = $1)
    GROUP BY model_id ORDER BY sum(net_fees) DESC, model_id LIMIT $2`,
}

/** The rankings' texts are fixed: prepared once per connection. */
const PREPARED = { prepare: true }

function checkSize(first: number): number {
  if (!Number.isInteger(first) || first < 0) throw userError('first must be a non-negative integer')
  if (first > MAX_RANKING) throw userError(`A ranking holds at most ${MAX_RANKING} rows`, 'PAGE_SIZE_EXCEEDED', { max: MAX_RANKING })
  return first
}

/** Runs a ranking, its entity's rows joined when asked for; every ranking orders by amount descending, then id. */
async function rank(sql: Sql, statement: string, params: unknown[], joined: RankedRow | undefined) {
  if (!joined) return ranked(await sql.query<Ranked>(statement, params, PREPARED))
  const join: Join = { field: joined.field, target: joined.entity, on: 'r.id' }
  const { from, select } = joinSql([join])
  // The ranking's own order, again after the join (amount is its exact sum as text; numeric compares it as a number).
  const rows = await sql.query<Ranked>(`SELECT r.id, r.amount, r.count${select} FROM (${statement}) r ${from} ORDER BY r.amount::numeric DESC, r.id`, params, PREPARED)
  return ranked(attachJoined(rows, [join]))
}

function ranked(rows: Ranked[]) {
  return rows.map((row, index) => ({ ...row, rank: index + 1 }))
}

function contributorOf(scope: EarningsScope): string | null {
  return scope.contributor == null ? null : (normalise('scope.contributor', 'address', scope.contributor) as string)
}

export async function topContributors(sql: Sql, scope: EarningsScope, first: number, joined?: RankedRow) {
  const size = checkSize(first)
  if (scope.contributor != null) throw userError('topContributors ranks contributors: scope them by model, datanet or epoch')
  const epoch = scope.epoch ?? null
  if (scope.model != null) return rank(sql, CONTRIBUTORS.model, [scope.model, epoch, scope.datanet ?? null, size], joined)
  if (scope.datanet != null) return rank(sql, CONTRIBUTORS.datanet, [scope.datanet, epoch, size], joined)
  if (epoch != null) return rank(sql, CONTRIBUTORS.epoch, [epoch, size], joined)
  return rank(sql, CONTRIBUTORS.all, [size], joined)
}

export async function topDatanets(sql: Sql, scope: EarningsScope, first: number, joined?: RankedRow) {
  const size = checkSize(first)
  if (scope.datanet != null) throw userError('topDatanets ranks datanets: scope them by model, contributor or epoch')
  const epoch = scope.epoch ?? null
  const contributor = contributorOf(scope)
  if (scope.model != null) return rank(sql, DATANETS.model, [scope.model, epoch, contributor, size], joined)
  if (contributor != null) return rank(sql, DATANETS.contributor, [contributor, epoch, size], joined)
  if (epoch != null) return rank(sql, DATANETS.epoch, [epoch, size], joined)
  return rank(sql, DATANETS.all, [size], joined)
}

export async function topModels(sql: Sql, scope: EarningsScope, first: number, joined?: RankedRow) {
  const size = checkSize(first)
  if (scope.model != null) throw userError('topModels ranks models: scope them by datanet, contributor or epoch')
  const epoch = scope.epoch ?? null
  const contributor = contributorOf(scope)
  if (scope.datanet != null || contributor != null) {
    return rank(sql, MODELS.attributed, [scope.datanet ?? null, contributor, epoch, size], joined)
  }
  return rank(sql, MODELS.fees, [epoch, size], joined)
}
