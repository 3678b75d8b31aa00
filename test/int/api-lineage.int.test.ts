// Lineage walked in SQL, checked against a breadth-first walk of the same generated graph in memory: upstream
// (what a node depends on) and downstream (where it was used and earned), with depth, relation, fan-out and
// size limits.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { gql } from '../support/graphql.js'
import { sampleValue } from '../support/prometheus.js'
import { startSeededApi, type Fixture } from './api-fixture.js'

const services = inject('services')

type Kind = 'INFERENCE' | 'MODEL' | 'DATANET' | 'CONTRIBUTION' | 'CONTRIBUTOR' | 'AGENT'
interface GraphEdge {
  relation: string
  from: { kind: Kind; id: string }
  to: { kind: Kind; id: string }
  weight: string | null
  amount: string | null
}

/** Every edge of the fixture's graph, from the dependent node to what it depends on. */
function graphEdges(f: Fixture): GraphEdge[] {
  const edge = (relation: string, fromKind: Kind, fromId: string, toKind: Kind, toId: string, weight: bigint | null = null, amount: bigint | null = null): GraphEdge => ({
    relation, from: { kind: fromKind, id: fromId }, to: { kind: toKind, id: toId }, weight: weight?.toString() ?? null, amount: amount?.toString() ?? null,
  })
  return [
    ...f.inferences.flatMap((i) => [edge('USES_MODEL', 'INFERENCE', i.id, 'MODEL', i.modelId, null, i.modelPart), edge('CALLED_BY', 'INFERENCE', i.id, 'AGENT', i.agentId)]),
    ...f.edges.map((e) => edge('ATTRIBUTED_TO', 'INFERENCE', e.inferenceId, 'CONTRIBUTION', e.contributionId, e.weight, e.amount)),
    ...f.models.flatMap((m) => [
      ...(m.baseModelId ? [edge('ADAPTS', 'MODEL', m.id, 'MODEL', m.baseModelId)] : []),
      ...m.datanets.map((d) => edge('TRAINED_ON', 'MODEL', m.id, 'DATANET', d)),
      edge('OWNED_BY', 'MODEL', m.id, 'CONTRIBUTOR', m.ownerId),
    ]),
    ...f.datanets.map((d) => edge('OWNED_BY', 'DATANET', d.id, 'CONTRIBUTOR', d.ownerId)),
    ...f.contributions.map((c) => edge('CONTAINS', 'DATANET', c.datanetId, 'CONTRIBUTION', c.id)),
    ...f.contributions.map((c) => edge('SUBMITTED_BY', 'CONTRIBUTION', c.id, 'CONTRIBUTOR', c.contributorId)),
    ...f.agents.map((a) => edge('OWNED_BY', 'AGENT', a.id, 'CONTRIBUTOR', a.ownerId)),
  ]
}

/** The reference: breadth first over the in-memory graph, each node and edge at its shortest depth. */
function walk(all: GraphEdge[], root: { kind: Kind; id: string }, direction: 'UPSTREAM' | 'DOWNSTREAM', depth: number, relations?: string[]) {
  const key = (n: { kind: Kind; id: string }) => `${n.kind}:${n.id}`
  const nodes = new Map([[key(root), { ...root, depth: 0 }]])
  const edges = new Map<string, GraphEdge & { depth: number }>()
  let frontier = [root]
  for (let d = 1; d <= depth; d++) {
    const next: { kind: Kind; id: string }[] = []
    for (const node of frontier) {
      for (const e of all) {
        if (relations && !relations.includes(e.relation)) continue
        const [near, far] = direction === 'UPSTREAM' ? [e.from, e.to] : [e.to, e.from]
        if (key(near) !== key(node)) continue
        const edgeKey = `${e.relation}:${key(e.from)}:${key(e.to)}`
        if (!edges.has(edgeKey)) edges.set(edgeKey, { ...e, depth: d })
        if (!nodes.has(key(far))) {
          nodes.set(key(far), { ...far, depth: d })
          next.push(far)
        }
      }
    }
    frontier = next
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] }
}

const LINEAGE = `query ($kind: LineageNodeKind!, $id: ID!, $direction: LineageDirection!, $depth: Int!, $relations: [LineageRelation!], $fanout: Int! = 200, $maxEdges: Int! = 2000) {
  lineage(kind: $kind, id: $id, direction: $direction, depth: $depth, relations: $relations, fanout: $fanout, maxEdges: $maxEdges) {
    root { kind id depth } truncated
    nodes { kind id depth }
    edges { relation from { kind id } to { kind id } weight amount depth }
  }
}`

const sortBy = <T>(items: T[], key: (item: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
const nodeKey = (n: { kind: string; id: string }) => `${n.kind}:${n.id}`
const edgeKey = (e: GraphEdge) => `${e.relation}:${nodeKey(e.from)}:${nodeKey(e.to)}`

describe('lineage', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>
  let f: Fixture
  let graph: GraphEdge[]

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 600)
    f = api.fixture
    graph = graphEdges(f)
  })
  afterAll(() => api?.close())

  async function expectSameWalk(root: { kind: Kind; id: string }, direction: 'UPSTREAM' | 'DOWNSTREAM', depth: number, relations?: string[]) {
    const { lineage } = await gql<any>(api.url, LINEAGE, { ...root, direction, depth, relations })
    const expected = walk(graph, root, direction, depth, relations)
    expect(lineage.truncated).toBe(false)
    expect(lineage.root).toEqual({ ...root, depth: 0 })
    expect(sortBy(lineage.nodes, nodeKey)).toEqual(sortBy(expected.nodes, nodeKey))
    expect(sortBy(lineage.edges, edgeKey)).toEqual(sortBy(expected.edges, edgeKey))
    return lineage
  }

  it("walks upstream from an adapter's inference to its models, datanets, contributions and contributors", async () => {
    const inference = f.inferences.find((i) => i.modelId === '4' && i.mode === 'USAGE')!
    const lineage = await expectSameWalk({ kind: 'INFERENCE', id: inference.id }, 'UPSTREAM', 3)
    const kinds = new Set(lineage.nodes.map((n: any) => n.kind))
    expect(kinds).toEqual(new Set(['INFERENCE', 'MODEL', 'AGENT', 'CONTRIBUTION', 'CONTRIBUTOR', 'DATANET']))
    expect(lineage.edges.filter((e: any) => e.relation === 'ADAPTS')).toEqual([
      { relation: 'ADAPTS', from: { kind: 'MODEL', id: '4' }, to: { kind: 'MODEL', id: '1' }, weight: null, amount: null, depth: 2 },
    ])
  })

  it('walks downstream from a contributor to where its data was used and what it earned', async () => {
    await expectSameWalk({ kind: 'CONTRIBUTOR', id: f.contributions[0].contributorId }, 'DOWNSTREAM', 2)
  })

  it('walks downstream from a contribution: each inference that paid it, with weight and amount', async () => {
    const contribution = f.contributions.find((c) => f.edges.some((e) => e.contributionId === c.id))!
    const lineage = await expectSameWalk({ kind: 'CONTRIBUTION', id: contribution.id }, 'DOWNSTREAM', 1)
    const earned = lineage.edges.filter((e: any) => e.relation === 'ATTRIBUTED_TO').reduce((s: bigint, e: any) => s + BigInt(e.amount), 0n)
    expect(earned).toBe(f.edges.filter((e) => e.contributionId === contribution.id).reduce((s, e) => s + e.amount, 0n))
  })

  it('walks upstream from a model, from a datanet and from an agent, and only the relations asked for', async () => {
    await expectSameWalk({ kind: 'MODEL', id: '5' }, 'UPSTREAM', 3)
    await expectSameWalk({ kind: 'DATANET', id: '2' }, 'UPSTREAM', 2)
    await expectSameWalk({ kind: 'AGENT', id: '1' }, 'UPSTREAM', 1)
    const lineage = await expectSameWalk({ kind: 'MODEL', id: '1' }, 'UPSTREAM', 3, ['TRAINED_ON', 'CONTAINS'])
    expect(new Set(lineage.nodes.map((n: any) => n.kind))).toEqual(new Set(['MODEL', 'DATANET', 'CONTRIBUTION']))
  })

  it('stops at the depth, the fan-out and the edge limit, and says so', async () => {
    const shallow = await expectSameWalk({ kind: 'MODEL', id: '1' }, 'UPSTREAM', 1)
    expect(Math.max(...shallow.nodes.map((n: any) => n.depth))).toBe(1)

    const fanned = await gql<any>(api.url, LINEAGE, { kind: 'DATANET', id: '1', direction: 'UPSTREAM', depth: 1, relations: ['CONTAINS'], fanout: 3 })
    expect(fanned.lineage.edges).toHaveLength(3)
    expect(fanned.lineage.truncated).toBe(true)

    const capped = await gql<any>(api.url, LINEAGE, { kind: 'MODEL', id: '1', direction: 'DOWNSTREAM', depth: 2, maxEdges: 7 })
    expect(capped.lineage.edges).toHaveLength(7)
    expect(capped.lineage.truncated).toBe(true)
    expect(capped.lineage.nodes).toHaveLength(1 + new Set(capped.lineage.edges.map((e: any) => nodeKey(e.from))).size)
  })

  it('resolves the entities of the nodes, and answers null for a node that does not exist', async () => {
    const data = await gql<any>(api.url, `{
      lineage(kind: MODEL, id: "4", direction: UPSTREAM, depth: 1) { nodes { kind entity {
        __typename ... on Model { id isAdapter } ... on Datanet { id metadataURI } ... on Contributor { id }
      } } }
      missing: lineage(kind: MODEL, id: "999", direction: UPSTREAM) { truncated }
    }`)
    const byKind = Object.fromEntries(data.lineage.nodes.filter((n: any) => n.kind !== 'MODEL' || n.entity.id === '1').map((n: any) => [n.kind, n.entity]))
    expect(byKind.MODEL).toEqual({ __typename: 'Model', id: '1', isAdapter: false })
    expect(byKind.DATANET).toEqual({ __typename: 'Datanet', id: '3', metadataURI: 'ipfs://datanet-3' })
    expect(byKind.CONTRIBUTOR).toEqual({ __typename: 'Contributor', id: f.models[3].ownerId })
    expect(data.missing).toBeNull()
  })

  it('walks in one recursive SQL statement, not by loading the graph', async () => {
    const read = async () => sampleValue(await (await fetch(`${api.baseUrl}/metrics`)).text(), 'attrib_api_sql_statements_per_operation_sum') ?? 0
    const before = await read()
    const { lineage } = await gql<any>(api.url, LINEAGE, { kind: 'CONTRIBUTOR', id: f.models[0].ownerId, direction: 'DOWNSTREAM', depth: 3, maxEdges: 1000 })
    expect(lineage.edges.length).toBeGreaterThan(100)
    expect((await read()) - before).toBe(1) // the walk checks that its root exists
    const missing = await gql<any>(api.url, LINEAGE, { kind: 'CONTRIBUTOR', id: `0x${'ee'.repeat(20)}`, direction: 'DOWNSTREAM', depth: 3, maxEdges: 1000 })
    expect(missing.lineage).toBeNull()
    expect((await read()) - before).toBe(2)
  })
})
