import { query, subscribe } from '../graphql.js'
import { EPOCH, EPOCH_CLOSED, EPOCHS } from '../queries.js'
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
  reconciliation: Reconciliation
}

function balance(r: Reconciliation) {
  return h('span', { class: r.balanced && r.matchesEpoch ? 'ok' : 'bad', 'data-testid': 'reconciled' }, r.balanced && r.matchesEpoch ? 'balanced' : 'does NOT add up')
}

/** Every epoch with its reconciliation, refreshed as epochs close. */
export function epochsPage(root: HTMLElement): () => void {
  const body = h('div')
  root.append(body)
  const load = async () => {
    const { epochs } = await query<{ epochs: { nodes: EpochRow[] } }>(EPOCHS)
    body.replaceChildren(
      section(
        'Epochs',
        table(
          ['epoch', 'blocks', 'status', 'inferences', 'net fees', 'paid out', 'payouts', 'root', 'reconciliation'],
          epochs.nodes.map((e) => [link.epoch(e.number), `${e.firstBlock}–${e.lastBlock}`, e.status, e.inferences, formatWei(e.netFees), formatWei(e.payoutTotal), e.payouts.totalCount, e.root ? h('code', { title: e.root }, `${e.root.slice(0, 10)}…`) : '—', balance(e.reconciliation)]),
          { 'data-testid': 'epochs' },
        ),
      ),
    )
  }
  void load()
  return subscribe(EPOCH_CLOSED, {}, throttle(load, 1_000))
}

/** One epoch: its money recomputed from the rows, and who was paid. */
export async function epochPage(root: HTMLElement, number: number): Promise<void> {
  const { epoch } = await query<{ epoch: (EpochRow & { payoutsList: { nodes: { amount: string; account: { id: string } }[] } }) | null }>(
    EPOCH,
    { n: number },
  )
  if (!epoch) return void root.append(h('p', {}, `No epoch ${number}.`))
  const r = epoch.reconciliation
  root.append(
    section(
      `Epoch ${epoch.number} (${epoch.status})`,
      h('p', {}, `blocks ${epoch.firstBlock}–${epoch.lastBlock} · ${epoch.inferences} inferences · root ${epoch.root ?? '—'} · published root ${epoch.rootMatches === null ? 'not yet' : epoch.rootMatches ? 'matches' : 'DIFFERS'} · `, balance(r)),
      table(['identity', 'left', 'right'], [
        ['net fees = model + stakers + data parts', formatWei(r.netFees), formatWei((BigInt(r.modelParts) + BigInt(r.stakersParts) + BigInt(r.dataParts)).toString())],
        ['data parts = attributed + to model owners + awaiting usage', formatWei(r.dataParts), formatWei((BigInt(r.attributed) + BigInt(r.dataToModelOwners) + BigInt(r.dataAwaitingUsage)).toString())],
        ['paid out + rolled over = net fees + rolled in', formatWei((BigInt(r.payoutTotal) + BigInt(r.rolledOver)).toString()), formatWei((BigInt(r.netFees) + BigInt(r.rolledIn)).toString())],
      ]),
    ),
    section('Payouts', table(['account', 'amount'], epoch.payoutsList.nodes.map((p) => [link.contributor(p.account.id), formatWei(p.amount)]))),
  )
}
