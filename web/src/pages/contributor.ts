import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { query, subscribe } from '../graphql.js'
import { CONTRIBUTOR, CONTRIBUTOR_EARNINGS, EPOCH_CLOSED } from '../queries.js'
import { epochChart, formatWei, h, link, section, table, throttle } from '../ui.js'

interface Payout {
  amount: string
  asModelOwner: string
  asStaker: string
  asContributor: string
  proof: string[]
  epoch: { number: number; root: string | null }
  claimedAmount: string | null
}

interface ContributorDetail {
  id: string
  firstSeenBlock: number
  earned: string
  earnings: { nodes: { epoch: number; amount: string; attributions: number }[] }
  payouts: { totalCount: number; nodes: Payout[] }
  contributions: { totalCount: number }
}

/**
 * Checks the payout's Merkle proof here, in the browser, against its epoch's root: the leaf is
 * (address, uint256) in OpenZeppelin's StandardMerkleTree encoding, as a claim contract would check it.
 */
export function verifyPayout(account: string, payout: Payout): boolean {
  if (!payout.epoch.root) return false
  try {
    return StandardMerkleTree.verify(payout.epoch.root, ['address', 'uint256'], [account, payout.amount], payout.proof)
  } catch {
    return false
  }
}

/** A contributor: what it earned per epoch, and each payout with its proof verified in the browser. */
export function contributorPage(root: HTMLElement, id: string): () => void {
  const account = id.toLowerCase()
  const body = h('div')
  root.append(body)
  const load = async () => {
    const { contributor } = await query<{ contributor: ContributorDetail | null }>(
      CONTRIBUTOR,
      { id: account },
    )
    if (!contributor) return void body.replaceChildren(h('p', {}, `No contributor ${id}.`))
    const earnings = [...contributor.earnings.nodes].reverse()
    body.replaceChildren(
      section(
        `Contributor ${contributor.id}`,
        h('p', {}, `first seen at block ${contributor.firstSeenBlock} · ${contributor.contributions.totalCount} contributions · earned by attribution ${formatWei(contributor.earned)} · `, link.lineage('CONTRIBUTOR', contributor.id)),
      ),
      section('Earnings per epoch', epochChart(earnings.map((e) => ({ epoch: e.epoch, amount: e.amount })), 'attribution earnings')),
      section(
        `Payouts (${contributor.payouts.totalCount})`,
        h('p', { class: 'muted' }, 'Each proof is checked by this page against the epoch root (keccak256, StandardMerkleTree).'),
        table(
          ['epoch', 'amount', 'as model owner', 'as staker', 'as contributor', 'root', 'proof'],
          contributor.payouts.nodes.map((p) => {
            const verified = verifyPayout(contributor.id, p)
            return [
              link.epoch(p.epoch.number),
              formatWei(p.amount),
              formatWei(p.asModelOwner),
              formatWei(p.asStaker),
              formatWei(p.asContributor),
              h('code', { title: p.epoch.root ?? '' }, p.epoch.root ? `${p.epoch.root.slice(0, 10)}…` : '—'),
              h('span', { class: verified ? 'ok' : 'bad', 'data-testid': 'proof-status', 'data-verified': String(verified), title: `${p.proof.length} sibling hashes` }, verified ? `verified (${p.proof.length} hashes)` : 'does NOT verify'),
            ]
          }),
          { 'data-testid': 'payouts' },
        ),
      ),
    )
  }
  void load()
  // New payouts appear when an epoch closes; earnings change with every attribution.
  const reload = throttle(load, 2_000)
  const stops = [subscribe(EPOCH_CLOSED, {}, reload), subscribe(CONTRIBUTOR_EARNINGS, { c: account }, reload)]
  return () => stops.forEach((stop) => stop())
}
