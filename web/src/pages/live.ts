import { query, subscribe } from '../graphql.js'
import { FEED_LENGTH, LIVE_FEED, LIVE_REFRESH, LIVE_SETTLEMENTS } from '../queries.js'
import { formatWei, h, link, section } from '../ui.js'

interface FeedInference {
  id: string
  fee: string
  net: string
  dataPart: string
  mode: string
  blockNumber: number
  epoch: number
  settledAt: string
  model: { id: string; isAdapter: boolean }
  attributions: { totalCount: number; nodes: { amount: string; weight: string; contributor: { id: string } }[] }
}

const REFRESH_AWAITING_MS = 3_000

function feedItem(inference: FeedInference, fresh: boolean): HTMLElement {
  const attribution = inference.attributions.nodes.length
    ? h('ul', { class: 'attribution' }, inference.attributions.nodes.map((edge) => h('li', {}, link.contributor(edge.contributor.id), ` ${formatWei(edge.amount)}`)), inference.attributions.totalCount > 3 ? h('li', {}, `+${inference.attributions.totalCount - 3} more`) : null)
    : h('span', { class: 'muted' }, inference.mode === 'AWAITING_USAGE' ? 'awaiting its usage record' : 'paid to the model owner')
  return h(
    'li',
    { class: `feed-item${fresh ? ' fresh' : ''}`, 'data-testid': 'feed-item', 'data-id': inference.id, 'data-mode': inference.mode },
    h('div', { class: 'feed-head' }, link.inference(inference.id), ' ', link.model(inference.model.id), h('span', { class: 'muted' }, ` block ${inference.blockNumber}`), h('span', { class: `mode mode-${inference.mode}` }, inference.mode)),
    h('div', {}, `fee ${formatWei(inference.fee)} · to data ${formatWei(inference.dataPart)}`),
    attribution,
  )
}

/** Settled inferences, newest first, with new ones arriving live. */
export function livePage(root: HTMLElement): () => void {
  const list = h('ol', { class: 'feed', 'data-testid': 'feed' })
  const counter = h('span', { 'data-testid': 'live-count' }, '0')
  root.append(section('Live: settled inferences', h('p', { class: 'muted' }, 'Arriving over a GraphQL subscription; ', counter, ' received since this page opened.'), list))
  const items = new Map<string, FeedInference>()
  let received = 0
  const render = (inference: FeedInference, fresh: boolean) => {
    const existing = list.querySelector(`[data-id="${inference.id}"]`)
    const element = feedItem(inference, fresh)
    if (existing) existing.replaceWith(element)
    else list.prepend(element)
    items.set(inference.id, inference)
    while (list.children.length > FEED_LENGTH) {
      const last = list.lastElementChild as HTMLElement
      items.delete(last.dataset.id!)
      last.remove()
    }
  }
  const stop = subscribe<{ inferenceSettled: FeedInference }>(LIVE_SETTLEMENTS, {}, (data) => {
    received++
    counter.textContent = String(received)
    render(data.inferenceSettled, true)
  })
  void query<{ inferences: { nodes: FeedInference[] } }>(LIVE_FEED).then((data) => {
    for (const inference of [...data.inferences.nodes].reverse()) if (!items.has(inference.id)) render(inference, false)
  })
  // A settlement is announced before its usage record arrives: look again at those still waiting.
  const refresh = setInterval(async () => {
    const waiting = [...items.values()].filter((i) => i.mode === 'AWAITING_USAGE').map((i) => i.id)
    if (!waiting.length) return
    const data = await query<{ inferences: { nodes: FeedInference[] } }>(LIVE_REFRESH, { ids: waiting })
    for (const inference of data.inferences.nodes) if (inference.mode !== 'AWAITING_USAGE' && items.has(inference.id)) render(inference, false)
  }, REFRESH_AWAITING_MS)
  return () => {
    stop()
    clearInterval(refresh)
  }
}
