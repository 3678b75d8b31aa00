import { query } from '../graphql.js'
import { LINEAGE } from '../queries.js'
import { formatWei, h, section, short } from '../ui.js'

interface LineageResult {
  nodes: { kind: string; id: string; depth: number }[]
  edges: { from: { kind: string; id: string }; to: { kind: string; id: string }; relation: string; amount: string | null }[]
  truncated: boolean
}

const COLORS: Record<string, string> = {
  INFERENCE: '#e07a5f',
  MODEL: '#3d5a80',
  DATANET: '#81b29a',
  CONTRIBUTION: '#c9ada7',
  CONTRIBUTOR: '#f2cc8f',
  AGENT: '#9a8c98',
}

const key = (node: { kind: string; id: string }) => `${node.kind}:${node.id}`

/** A node's neighbourhood, upstream (what it depends on) and downstream (where it was used), as one graph. */
export async function lineagePage(root: HTMLElement, kind: string, id: string): Promise<() => void> {
  // Cytoscape is most of the explorer's script: only this page loads it, while its queries run.
  const drawing = import('cytoscape')
  const [up, down] = await Promise.all(
    ['UPSTREAM', 'DOWNSTREAM'].map((direction) => query<{ lineage: LineageResult | null }>(LINEAGE, { kind, id, direction }).then((d) => d.lineage)),
  )
  if (!up || !down) {
    root.append(h('p', {}, `No ${kind.toLowerCase()} ${id}.`))
    return () => {}
  }
  const rootKey = key(up.nodes.find((n) => n.depth === 0) ?? { kind, id })
  const nodes = new Map<string, { kind: string; id: string }>()
  for (const node of [...up.nodes, ...down.nodes]) nodes.set(key(node), node)
  const edges = new Map<string, LineageResult['edges'][number]>()
  for (const edge of [...up.edges, ...down.edges]) edges.set(`${key(edge.from)}>${key(edge.to)}:${edge.relation}`, edge)
  const container = h('div', { class: 'graph', 'data-testid': 'lineage-graph' })
  const legend = h('p', { class: 'legend' }, Object.entries(COLORS).map(([k, color]) => h('span', { style: `--c:${color}` }, k.toLowerCase())))
  root.append(
    section(
      `Lineage of ${kind.toLowerCase()} ${short(id)}`,
      h('p', { class: 'muted' }, `${nodes.size} nodes, ${edges.size} edges${up.truncated || down.truncated ? ' (truncated)' : ''}. Arrows point from a node to what it depends on; click a node to centre on it.`),
      legend,
      container,
    ),
  )
  const { default: cytoscape } = await drawing
  const graph = cytoscape({
    container,
    elements: [
      ...[...nodes.entries()].map(([k, n]) => ({ data: { id: k, label: `${n.kind.toLowerCase()} ${short(n.id)}`, color: COLORS[n.kind] ?? '#999', root: k === rootKey ? 1 : 0 } })),
      ...[...edges.entries()].map(([k, e]) => ({ data: { id: k, source: key(e.from), target: key(e.to), label: e.amount ? `${e.relation.toLowerCase()} ${formatWei(e.amount, 4)}` : e.relation.toLowerCase() } })),
    ],
    style: [
      { selector: 'node', style: { 'background-color': 'data(color)', label: 'data(label)', 'font-size': 9, color: '#222', 'text-valign': 'bottom', 'text-margin-y': 3 } },
      { selector: 'node[root = 1]', style: { 'border-width': 3, 'border-color': '#111', width: 36, height: 36 } },
      { selector: 'edge', style: { width: 1.2, 'line-color': '#bbb', 'target-arrow-color': '#bbb', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
      { selector: 'edge:selected, node:selected ~ edge', style: { label: 'data(label)', 'font-size': 8, color: '#555' } },
    ],
    layout: { name: 'breadthfirst', directed: false, spacingFactor: 1.1, roots: [rootKey] },
  })
  graph.on('tap', 'node', (event) => {
    const [nodeKind, ...rest] = String(event.target.id()).split(':')
    location.hash = `#/lineage/${nodeKind}/${rest.join(':')}`
  })
  return () => graph.destroy()
}
