import type { Sql } from './sql.js'

/** The epoch's own row, as the API selects it (entities/settlement.ts). */
export interface EpochRow {
  id: string
  status: string
  inferences: number
  fees: string
  platformFees: string
  netFees: string
  stakersPool: string
  rolledIn: string
  rolledOver: string
  payoutTotal: string
}

/**
 * What the epoch's edges attributed is summed over the edges themselves, so a wei out of place in any edge
 * shows; the edges of an epoch are found by its block ranges (db/migrations/1795670000000-EdgeEpochRanges.js).
 */
const TOTALS = `SELECT i.*, a.attributed, p.*
  FROM (SELECT count(*)::int AS inferences, coalesce(sum(fee), 0)::text AS fees,
          coalesce(sum(platform_fee), 0)::text AS "platformFees", coalesce(sum(net), 0)::text AS "netFees",
          coalesce(sum(model_part), 0)::text AS "modelParts", coalesce(sum(stakers_part), 0)::text AS "stakersParts",
          coalesce(sum(data_part), 0)::text AS "dataParts",
          coalesce(sum(data_part) FILTER (WHERE mode = 'OWNER'), 0)::text AS "dataToModelOwners",
          coalesce(sum(data_part) FILTER (WHERE mode = 'AWAITING_USAGE'), 0)::text AS "dataAwaitingUsage"
        FROM inference WHERE epoch = $1::int) i,
       (SELECT coalesce(sum(amount), 0)::text AS attributed FROM attribution_edge WHERE epoch = $1::int) a,
       (SELECT coalesce(sum(amount), 0)::text AS "payoutTotal",
          coalesce(sum(as_model_owner), 0)::text AS "payoutsAsModelOwner",
          coalesce(sum(as_staker), 0)::text AS "payoutsAsStaker",
          coalesce(sum(as_contributor), 0)::text AS "payoutsAsContributor"
        FROM epoch_payout WHERE epoch_id = $1::text) p`

type Totals = Record<
  | 'fees' | 'platformFees' | 'netFees' | 'modelParts' | 'stakersParts' | 'dataParts' | 'attributed' | 'dataToModelOwners'
  | 'dataAwaitingUsage' | 'payoutTotal' | 'payoutsAsModelOwner' | 'payoutsAsStaker' | 'payoutsAsContributor',
  string
> & { inferences: number }

/**
 * An epoch's money recomputed from its rows (docs/money.md, "Epochs"), and whether it adds up: what a reward
 * engine would check before paying. Exact: every sum is a bigint.
 */
export async function reconcileEpochRows(sql: Sql, epoch: EpochRow) {
  const [totals] = await sql.query<Totals>(TOTALS, [epoch.id], { prepare: true })
  const n = (value: string) => BigInt(value)
  const [rolledIn, rolledOver] = [n(epoch.rolledIn), n(epoch.rolledOver)]
  const closed = epoch.status === 'CLOSED'
  const always = [
    n(totals.fees) - n(totals.platformFees) === n(totals.netFees),
    n(totals.modelParts) + n(totals.stakersParts) + n(totals.dataParts) === n(totals.netFees),
    n(totals.attributed) + n(totals.dataToModelOwners) + n(totals.dataAwaitingUsage) === n(totals.dataParts),
  ]
  const onceClosed = [
    n(totals.payoutsAsContributor) === n(totals.attributed),
    n(totals.payoutsAsModelOwner) === n(totals.modelParts) + n(totals.dataToModelOwners),
    n(totals.payoutsAsStaker) + rolledOver === n(totals.stakersParts) + rolledIn,
    n(totals.payoutTotal) === n(totals.payoutsAsModelOwner) + n(totals.payoutsAsStaker) + n(totals.payoutsAsContributor),
    n(totals.payoutTotal) + rolledOver === n(totals.netFees) + rolledIn,
  ]
  const matchesEpoch =
    totals.inferences === epoch.inferences &&
    n(totals.fees) === n(epoch.fees) &&
    n(totals.platformFees) === n(epoch.platformFees) &&
    n(totals.netFees) === n(epoch.netFees) &&
    n(totals.stakersParts) === n(epoch.stakersPool) &&
    (!closed || n(totals.payoutTotal) === n(epoch.payoutTotal))
  return {
    ...totals,
    rolledIn: epoch.rolledIn,
    rolledOver: epoch.rolledOver,
    matchesEpoch,
    balanced: matchesEpoch && always.every(Boolean) && (!closed || onceClosed.every(Boolean)),
  }
}
