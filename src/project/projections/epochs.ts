import type { EntityManager } from 'typeorm'
import { epochRange } from '../../domain/epoch.js'
import { payoutTree, reconcileEpoch, stakersPoolShares } from '../../domain/payouts.js'
import { RejectedEvent } from '../rejection.js'
import { planFallback, writeEdges, type SettledInference } from './attribution.js'
import { onChain, type Of } from './context.js'
import { joinDeferred } from './settlements.js'

/**
 * Reward epochs: opened by their first settlement (or by a stakers pool rolled into them), closed once the
 * finalized height reaches their last block. Closing fixes every account's payout and commits it as a
 * StandardMerkleTree root; it only ever happens on final blocks, so a fork never has to undo it.
 */
export async function ensureEpoch(em: EntityManager, epoch: number, epochBlocks: number): Promise<{ closed: boolean }> {
  const { first, last } = epochRange(epoch, epochBlocks)
  const [row] = await em.query(
    `INSERT INTO epoch (id, number, first_block, last_block, status, inferences, fees, platform_fees, net_fees,
                        stakers_pool, rolled_in, rolled_over, payout_total)
     VALUES ($1::int::text, $1, $2, $3, 'OPEN', 0, 0, 0, 0, 0, 0, 0, 0)
     ON CONFLICT (id) DO UPDATE SET id = epoch.id
     RETURNING status = 'CLOSED' AS closed`,
    [epoch, first, last],
  )
  return row
}

/**
 * Closes, oldest first, every open epoch whose last block is final. The next one is looked up after each close:
 * an epoch without settlements only exists once the one before rolls its pool into it, and it must close (and
 * roll that pool on) before the epoch after it.
 */
export async function closeFinalEpochs(em: EntityManager, finalizedHeight: number, epochBlocks: number): Promise<void> {
  for (;;) {
    const [due]: { number: number; lastBlock: number }[] = await em.query(
      `SELECT number, last_block AS "lastBlock" FROM epoch WHERE status = 'OPEN' AND last_block <= $1 ORDER BY number LIMIT 1`,
      [finalizedHeight],
    )
    if (!due) return
    await closeEpoch(em, due.number, due.lastBlock, finalizedHeight, epochBlocks)
  }
}

async function closeEpoch(em: EntityManager, epoch: number, lastBlock: number, closedAt: number, epochBlocks: number) {
  // A record deferred by a usage batch that ran beside the chain batch completing its block joins now, not by the fallback.
  await joinDeferred(em, lastBlock)
  await attributeWaiting(em, epoch)

  const [totals] = await em.query(
    `SELECT stakers_pool::text AS pool, rolled_in::text AS "rolledIn", net_fees::text AS "netFees",
            published_root AS "publishedRoot", published_total::text AS "publishedTotal"
     FROM epoch WHERE id = $1::int::text`,
    [epoch],
  )
  const pool = BigInt(totals.pool) + BigInt(totals.rolledIn)
  const stakers = stakersPoolShares(pool, await stakesAt(em, lastBlock))

  const parts = new Map<string, { owner: bigint; staker: bigint; contributor: bigint }>()
  const part = (account: string) => {
    let p = parts.get(account)
    if (!p) parts.set(account, (p = { owner: 0n, staker: 0n, contributor: 0n }))
    return p
  }
  const owners: { account: string; amount: string }[] = await em.query(
    `SELECT model_owner_id AS account,
            sum(model_part + CASE WHEN mode = 'OWNER' THEN data_part ELSE 0 END)::text AS amount
     FROM inference WHERE epoch = $1 GROUP BY model_owner_id`,
    [epoch],
  )
  for (const o of owners) part(o.account).owner += BigInt(o.amount)
  const contributors: { account: string; amount: string }[] = await em.query(
    // The per-epoch earnings kept with every edge written: the same sums, without reading the epoch's edges.
    'SELECT contributor_id AS account, amount::text AS amount FROM contributor_epoch_stat WHERE epoch = $1',
    [epoch],
  )
  for (const c of contributors) part(c.account).contributor += BigInt(c.amount)
  for (const [account, amount] of stakers.shares) part(account).staker += amount

  const totalsByAccount = new Map([...parts].map(([account, p]) => [account, p.owner + p.staker + p.contributor]))
  const tree = payoutTree(totalsByAccount)
  const unreconciled = reconcileEpoch({
    netFees: [BigInt(totals.netFees)],
    rolledIn: BigInt(totals.rolledIn),
    payouts: [tree.total],
    rolledOver: stakers.rolledOver,
  })
  // A difference here is a bug in the money math, never bad input: stop rather than publish a wrong root.
  if (unreconciled !== 0n) throw new Error(`epoch ${epoch} does not reconcile: off by ${unreconciled} wei`)

  if (tree.leaves.length > 0) {
    await em.query(
      `INSERT INTO epoch_payout (id, epoch_id, account_id, amount, as_model_owner, as_staker, as_contributor, proof)
       SELECT $1::int || '-' || account, $1::int::text, account, amount, owner, staker, contributor, proof
       FROM unnest($2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::jsonb[])
         AS t(account, amount, owner, staker, contributor, proof)`,
      [
        epoch,
        tree.leaves.map((l) => l.account),
        tree.leaves.map((l) => l.amount.toString()),
        tree.leaves.map((l) => parts.get(l.account)!.owner.toString()),
        tree.leaves.map((l) => parts.get(l.account)!.staker.toString()),
        tree.leaves.map((l) => parts.get(l.account)!.contributor.toString()),
        tree.leaves.map((l) => JSON.stringify(l.proof)),
      ],
    )
  }
  await em.query(
    `UPDATE epoch SET status = 'CLOSED', root = $2, payout_total = $3, rolled_over = $4, closed_at_block = $5 WHERE id = $1::int::text`,
    [epoch, tree.root, tree.total.toString(), stakers.rolledOver.toString(), closedAt],
  )
  await compareRoots(em, epoch)
  if (stakers.rolledOver > 0n) {
    // Nobody was staked: the pool waits for the next epoch's stakers.
    await ensureEpoch(em, epoch + 1, epochBlocks)
    await em.query('UPDATE epoch SET rolled_in = rolled_in + $2 WHERE id = $1::int::text', [epoch + 1, stakers.rolledOver.toString()])
  }
}

const FALLBACK_CHUNK = 1_000

/** Settlements whose usage record never came are attributed by the fallback, a bounded chunk at a time. */
async function attributeWaiting(em: EntityManager, epoch: number) {
  for (;;) {
    const chunk: (Omit<SettledInference, 'dataPart'> & { dataPart: string })[] = await em.query(
      `SELECT i.id, i.model_id AS "modelId", m.base_model_id AS "baseModelId", i.model_owner_id AS "modelOwnerId",
              i.data_part::text AS "dataPart", i.block_number AS "blockNumber", i.epoch
       FROM inference i JOIN model m ON m.id = i.model_id
       WHERE i.epoch = $1 AND i.mode = 'AWAITING_USAGE' ORDER BY i.block_number, i.log_index LIMIT $2`,
      [epoch, FALLBACK_CHUNK],
    )
    if (chunk.length === 0) return
    const planned = await planFallback(em, chunk.map((i) => ({ ...i, dataPart: BigInt(i.dataPart) })))
    await writeEdges(em, planned)
    await em.query(
      'UPDATE inference i SET mode = t.mode FROM unnest($1::text[], $2::text[]) AS t(id, mode) WHERE i.id = t.id',
      [planned.map((p) => p.inference.id), planned.map((p) => p.mode)],
    )
  }
}

/** Each stake's principal as of `block`: Staked plus top-ups so far, until its RequestUnstake/Unstaked. */
async function stakesAt(em: EntityManager, block: number): Promise<{ recipient: string; principal: bigint }[]> {
  const rows: { recipient: string; principal: string }[] = await em.query(
    `SELECT s.recipient_id AS recipient,
            (s.amount + coalesce((SELECT sum(t.amount) FROM stake_top_up t WHERE t.stake_id = s.id AND t.block_number <= $1), 0))::text AS principal
     FROM stake s
     WHERE s.staked_at_block <= $1 AND (s.ended_at_block IS NULL OR s.ended_at_block > $1)`,
    [block],
  )
  return rows.map((r) => ({ recipient: r.recipient, principal: BigInt(r.principal) }))
}

export async function onRewardRootPublished(em: EntityManager, epochBlocks: number, event: Of<'RewardRootPublished'>) {
  const { epoch, root, total } = event.payload
  const number = Number(epoch)
  if (!Number.isSafeInteger(number)) throw new RejectedEvent('invalid-epoch', `epoch ${epoch} is out of range`)
  await ensureEpoch(em, number, epochBlocks)
  await em.query('UPDATE epoch SET published_root = $2, published_total = $3 WHERE id = $1::int::text', [number, root, total])
  await compareRoots(em, number)
}

/**
 * Whether a closed epoch's published root and total are the computed ones (NULL until both exist). Kept in step
 * by whoever changes either side: the close, a publication, and a fork's undo, which can take a publication
 * back after the close compared against it.
 */
export async function compareRoots(em: EntityManager, epoch?: number): Promise<void> {
  const matches = `CASE WHEN status <> 'CLOSED' OR published_root IS NULL THEN NULL
                        ELSE published_root = root AND published_total = payout_total END`
  await em.query(
    `UPDATE epoch SET root_matches = ${matches} WHERE root_matches IS DISTINCT FROM (${matches}) AND ($1::int IS NULL OR id = $1::int::text)`,
    [epoch ?? null],
  )
}

export async function onRewardClaimed(em: EntityManager, event: Of<'RewardClaimed'>) {
  const { epoch, account, amount } = event.payload
  const result = await em.query(
    `UPDATE epoch_payout SET claimed_amount = coalesce(claimed_amount, 0) + $3, claimed_at_block = $4
     WHERE id = $1 || '-' || $2 RETURNING id`,
    [epoch, account, amount, onChain(event).blockNumber],
  )
  if (result[0].length === 0) {
    throw new RejectedEvent('claim-without-payout', `${account} claimed ${amount} wei for epoch ${epoch}, which pays it nothing`)
  }
}
