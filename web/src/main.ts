import { query } from './graphql.js'
import { contributorPage } from './pages/contributor.js'
import { epochPage, epochsPage } from './pages/epochs.js'
import { inferencePage } from './pages/inference.js'
import { lineagePage } from './pages/lineage.js'
import { livePage } from './pages/live.js'
import { modelPage, modelsPage } from './pages/model.js'
import { h } from './ui.js'
import './style.css'

type Cleanup = () => void
type Page = (root: HTMLElement, ...params: string[]) => Cleanup | void | Promise<Cleanup | void>

const ROUTES: [RegExp, Page][] = [
  [/^\/?$/, (root) => livePage(root)],
  [/^\/inference\/(0x[0-9a-fA-F]+)$/, (root, id) => inferencePage(root, id)],
  [/^\/models$/, (root) => modelsPage(root)],
  [/^\/model\/(\d+)$/, (root, id) => modelPage(root, id)],
  [/^\/contributor\/(0x[0-9a-fA-F]{40})$/, (root, id) => contributorPage(root, id)],
  [/^\/epochs$/, (root) => epochsPage(root)],
  [/^\/epoch\/(\d+)$/, (root, n) => epochPage(root, Number(n))],
  [/^\/lineage\/([A-Z]+)\/([^/]+)$/, (root, kind, id) => lineagePage(root, kind, decodeURIComponent(id))],
]

const app = document.getElementById('app')!
let cleanup: Cleanup | undefined
let navigation = 0

async function route() {
  cleanup?.()
  cleanup = undefined
  const current = ++navigation
  const path = location.hash.replace(/^#/, '')
  const root = h('div', { class: 'page', 'data-route': path || '/' })
  app.replaceChildren(root)
  const match = ROUTES.map(([pattern, page]) => [path.match(pattern), page] as const).find(([m]) => m)
  if (!match) return void root.append(h('p', {}, `Nothing at ${path}.`))
  try {
    const result = await match[1](root, ...match[0]!.slice(1))
    if (current !== navigation) result?.()
    else cleanup = result ?? undefined
  } catch (err) {
    root.append(h('p', { class: 'bad', 'data-testid': 'error' }, `Could not load: ${(err as Error).message}`))
  }
}

/** Heights of the index, from `_meta`, in the header. */
async function showStatus() {
  const status = document.getElementById('status')!
  try {
    const { _meta: meta } = await query<{ _meta: { indexedHeight: number | null; finalizedHeight: number | null; headHeight: number | null; lag: number | null } }>(
      '{ _meta { indexedHeight finalizedHeight headHeight lag } }',
    )
    status.textContent = `head ${meta.headHeight ?? '—'} · indexed ${meta.indexedHeight ?? '—'} · final ${meta.finalizedHeight ?? '—'} · lag ${meta.lag ?? '—'}`
    status.className = ''
  } catch {
    status.textContent = 'indexer not answering'
    status.className = 'bad'
  }
}

window.addEventListener('hashchange', () => void route())
void route()
void showStatus()
setInterval(() => void showStatus(), 2_000)
