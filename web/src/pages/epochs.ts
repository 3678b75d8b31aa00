import { query, subscribe } from '../graphql.js'
import { EPOCH, EPOCH_CLOSED, EPOCH_RECONCILIATION, EPOCHS } from '../queries.js'
import { formatWei, h, link, section, table, throttle } from '../ui.js'

interface Reconciliation {
  balanced: boolean
  matchesEpoch: boolean
  netFees: string
  modelParts: string
  stakersParts: string
  dataParts: string
  attributed: string
  dataToModelOwners: string
  dataAwaitingUsage: string
  payoutTotal: string
  rolledIn: string
  rolledOver: string
}

interface EpochRow {
  number: number
  firstBlock: number
  lastBlock: number
  status: string
  inferences: number
  fees: string
  netFees: string
  payoutTotal: string
  root: string | null
  rootMatches: boolean | null
  payouts: { totalCount: number }
}

async function reconcile(number: number): Promise<Reconciliation | undefined> {
  const { epoch } = await query<{ epoch: { reconciliation: Reconciliation } | null }>(EPOCH_RECONCILIATION, { n: number })
  return epoch?.reconciliation
}

function balance(r: Reconciliation | undefined) {
  const ok = r !== undefined && r.balanced && r.matchesEpoch
  return h('span', { class: ok ? 'ok' : 'bad', 'data-testid': 'reconciled' }, ok ? 'balanced' : 'does NOT add up')
}

/** Where an epoch's reconciliation goes once it is in. */
function checking() {
  return h('span', { class: 'muted', 'data-testid': 'reconciling' }, 'checking…')
}

/**
 * Every epoch, then each one's reconciliation as it comes in (one at a time, newest first: each sums the
 * epoch's edges), refreshed as epochs close. The table is marked `data-reconciled` once all are in.
 */
export function epochsPage(root: HTMLElement): () => void {
  const body = h('div')
  root.append(body)
  let generation = 0
  const load = async () => {
    const current = ++generation
    const { epochs } = await query<{ epochs: { nodes: EpochRow[] } }>(EPOCHS)
    if (current !== generation) return
    const cells = epochs.nodes.map(() => checking())
    const list = table(
      ['epoch', 'blocks', 'status', 'inferences', 'net fees', 'paid out', 'payouts', 'root', 'reconciliation'],
      epochs.nodes.map((e, i) => [link.epoch(e.number), `${e.firstBlock}–${e.lastBlock}`, e.status, e.inferences, formatWei(e.netFees), formatWei(e.payoutTotal), e.payouts.totalCount, e.root ? h('code', { title: e.root }, `${e.root.slice(0, 10)}…`) : '—', cells[i]]),
      { 'data-testid': 'epochs' },
    )
    body.replaceChildren(section('Epochs', list))
    for (const [i, e] of epochs.nodes.entries()) {
      const reconciliation = await reconcile(e.number)
      if (current !== generation) return // a newer load replaced this table
      cells[i].replaceWith(balance(reconciliation))
    }
    list.setAttribute('data-reconciled', 'true')
  }
  const show = () =>
    load().catch((err: Error) => body.replaceChildren(h('p', { class: 'bad', 'data-testid': 'error' }, `Could not load: ${err.message}`)))
  void show()
  const unsubscribe = subscribe(EPOCH_CLOSED, {}, throttle(show, 1_000))
  return () => {
    generation++ // leaving the page: no more reconciliations
    unsubscribe()
  }
}

/** One epoch and who was paid, then its money recomputed from the rows. */
export async function epochPage(root: HTMLElement, number: number): Promise<void> {
  const { epoch } = await query<{ epoch: (EpochRow & { payoutsList: { nodes: { amount: string; account: { id: string } }[] } }) | null }>(
    EPOCH,
    { n: number },
  )
  if (!epoch) return void root.append(h('p', {}, `No epoch ${number}.`))
  const verdict = checking()
  const identities = h('div', { 'data-testid': 'identities' }, h('p', { class: 'muted' }, 'Recomputing the epoch’s money from its rows…'))
  root.append(
    section(
      `Epoch ${epoch.number} (${epoch.status})`,
      h('p', {}, `blocks ${epoch.firstBlock}–${epoch.lastBlock} · ${epoch.inferences} inferences · root ${epoch.root ?? '—'} · published root ${epoch.rootMatches === null ? 'not yet' : epoch.rootMatches ? 'matches' : 'DIFFERS'} · `, verdict),
      identities,
    ),
    section('Payouts', table(['account', 'amount'], epoch.payoutsList.nodes.map((p) => [link.contributor(p.account.id), formatWei(p.amount)]), { 'data-testid': 'payouts' })),
  )
  const r = await reconcile(number)
  verdict.replaceWith(balance(r))
  if (!r) return
  identities.replaceChildren(
    table(['identity', 'left', 'right'], [
      ['net fees = model + stakers + data parts', formatWei(r.netFees), formatWei((BigInt(r.modelParts) + BigInt(r.stakersParts) + BigInt(r.dataParts)).toString())],
      ['data parts = attributed + to model owners + awaiting usage', formatWei(r.dataParts), formatWei((BigInt(r.attributed) + BigInt(r.dataToModelOwners) + BigInt(r.dataAwaitingUsage)).toString())],
      ['paid out + rolled over = net fees + rolled in', formatWei((BigInt(r.payoutTotal) + BigInt(r.rolledOver)).toString()), formatWei((BigInt(r.netFees) + BigInt(r.rolledIn)).toString())],
    ]),
  )
}
