// Relay pagination over real HTTP: walking 1,500 inferences page by page, forwards and backwards, in orders
// with many ties, while rows are inserted, loses and repeats nothing; nested connections page the same way.
import { keccak256, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { changeProjection, post, startSeededApi, type Fixture, type Inference } from './api-fixture.js'

const services = inject('services')

interface Page {
  edges: { cursor: string; node: { id: string } }[]
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }
  totalCount: number
}

const compare = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0)
const newestFirst = (a: Inference, b: Inference) => compare(b.blockNumber, a.blockNumber) || compare(b.logIndex, a.logIndex) || compare(b.id, a.id)

describe('cursor pagination', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>
  let f: Fixture

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 1500)
    f = api.fixture
  })
  afterAll(() => api?.close())

  const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: InferenceOrder, $where: InferenceFilter) {
    inferences(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, where: $where) {
      edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount
    }
  }`

  async function walkForward(variables: Record<string, unknown>, onPage?: (n: number) => Promise<void>) {
    const ids: string[] = []
    const pages: Page[] = []
    let after: string | null = null
    for (;;) {
      const { inferences } = await gql<{ inferences: Page }>(api.url, PAGE, { ...variables, first: 100, after })
      pages.push(inferences)
      ids.push(...inferences.edges.map((e) => e.node.id))
      await onPage?.(pages.length)
      if (!inferences.pageInfo.hasNextPage) return { ids, pages }
      after = inferences.pageInfo.endCursor
    }
  }

  it('walks 1,500 inferences forwards, 100 at a time, newest first: each exactly once, in order', async () => {
    const { ids, pages } = await walkForward({})
    expect(pages).toHaveLength(15)
    expect(ids).toEqual([...f.inferences].sort(newestFirst).map((i) => i.id))
    expect(new Set(ids).size).toBe(1500)
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([...Array(14).fill(true), false])
    expect(pages.map((p) => p.pageInfo.hasPreviousPage)).toEqual([false, ...Array(14).fill(true)])
    expect(pages[0].totalCount).toBe(1500)
  })

  it('walks the same rows backwards with last/before', async () => {
    const ids: string[] = []
    let before: string | null = null
    let pages = 0
    for (;;) {
      const { inferences } = await gql<{ inferences: Page }>(api.url, PAGE, { last: 100, before })
      ids.unshift(...inferences.edges.map((e) => e.node.id))
      pages++
      if (!inferences.pageInfo.hasPreviousPage) break
      expect(inferences.pageInfo.hasNextPage).toBe(before != null)
      before = inferences.pageInfo.startCursor
    }
    expect(pages).toBe(15)
    expect(ids).toEqual([...f.inferences].sort(newestFirst).map((i) => i.id))
  })

  it('pages through an order with many ties (20 distinct fees) without loss or overlap', async () => {
    const { ids } = await walkForward({ orderBy: { field: 'FEE', direction: 'ASC' } })
    const expected = [...f.inferences].sort((a, b) => compare(a.fee, b.fee) || compare(a.id, b.id)).map((i) => i.id)
    expect(ids).toEqual(expected)
  })

  it('pages through a timestamp order (cursors carry microseconds, whatever the DateStyle)', async () => {
    const { ids } = await walkForward({ orderBy: { field: 'SETTLED_AT', direction: 'DESC' } })
    // settledAt grows with the block; ties (same block) go to the id
    expect(ids).toEqual([...f.inferences].sort((a, b) => compare(b.blockNumber, a.blockNumber) || compare(b.id, a.id)).map((i) => i.id))
  })

  it('pages through a filtered set and counts it', async () => {
    const where = { model: { eq: '1' }, mode: { eq: 'USAGE' } }
    const { ids, pages } = await walkForward({ where })
    const expected = f.inferences.filter((i) => i.modelId === '1' && i.mode === 'USAGE').sort(newestFirst).map((i) => i.id)
    expect(ids).toEqual(expected)
    expect(pages[0].totalCount).toBe(expected.length)
  })

  it('keeps cursors stable while new rows arrive: nothing is skipped or repeated', async () => {
    const fresh: string[] = []
    const insertNewest = async (page: number) => {
      if (page > 3) return
      await withClient(api.dbUrl, async (db) => {
        for (let k = 0; k < 10; k++) {
          const id = keccak256(toHex(`late-${page}-${k}`))
          fresh.push(id)
          await db.query(
            `INSERT INTO inference (id, model_id, model_owner_id, agent_id, on_chain_agent_id, payer, fee, platform_fee, net, model_part, stakers_part, data_part,
               model_bps, stakers_bps, data_bps, mode, block_number, block_hash, log_index, epoch, settled_at, tx_hash)
             SELECT $1, model_id, model_owner_id, agent_id, on_chain_agent_id, payer, fee, platform_fee, net, model_part, stakers_part, data_part,
               model_bps, stakers_bps, data_bps, mode, 9000 + $2, block_hash, 0, epoch, settled_at, tx_hash FROM inference LIMIT 1`,
            [id, page * 10 + k],
          )
        }
      })
    }
    try {
      const { ids } = await walkForward({}, insertNewest)
      // Newest first: rows inserted after the first page sort before its cursor, so the walk must not see them.
      expect(ids).toEqual([...f.inferences].sort(newestFirst).map((i) => i.id))
      // Announced as a projection writer would, so the response cache serves none of the walk's pages again.
      await changeProjection(api, 'SELECT 1', [])
      const { ids: again } = await walkForward({})
      expect(again).toHaveLength(1500 + fresh.length)
    } finally {
      // Announced too: a cached page of the 1,530 rows would otherwise outlive them (a later walk saw 16 pages).
      await changeProjection(api, 'DELETE FROM inference WHERE id = ANY($1)', [fresh])
    }
  })

  it('pages a nested connection: all of a contributor’s attribution edges, 40 at a time', async () => {
    const counts = new Map<string, number>()
    for (const e of f.edges) counts.set(e.contributorId, (counts.get(e.contributorId) ?? 0) + 1)
    const [contributor, expectedCount] = [...counts].sort((a, b) => b[1] - a[1])[0]
    expect(expectedCount).toBeGreaterThan(100)
    const ids: string[] = []
    let after: string | null = null
    for (;;) {
      const data: any = await gql(api.url, `query ($id: String!, $after: String) { contributor(id: $id) {
        attributions(first: 40, after: $after, orderBy: { field: AMOUNT, direction: DESC }) { totalCount nodes { id amount } pageInfo { hasNextPage endCursor } }
      } }`, { id: contributor, after })
      const page = data.contributor.attributions
      expect(page.totalCount).toBe(expectedCount)
      ids.push(...page.nodes.map((n: { id: string }) => n.id))
      if (!page.pageInfo.hasNextPage) break
      after = page.pageInfo.endCursor
    }
    const expected = f.edges.filter((e) => e.contributorId === contributor).sort((a, b) => compare(b.amount, a.amount) || compare(b.id, a.id))
    expect(ids).toEqual(expected.map((e) => e.id))
  })

  it('refuses oversized pages, foreign and malformed cursors with clear errors', async () => {
    const tooBig = await post(api.url, '{ inferences(first: 101) { nodes { id } } }')
    expect(tooBig.errors?.[0]).toMatchObject({ message: 'A page holds at most 100 rows; 101 were asked for', extensions: { code: 'PAGE_SIZE_EXCEEDED', max: 100 } })
    const { inferences } = await gql<{ inferences: Page }>(api.url, PAGE, { first: 1 })
    const foreign = await post(api.url, PAGE, { first: 1, after: inferences.pageInfo.endCursor, orderBy: { field: 'FEE', direction: 'ASC' } })
    expect(foreign.errors?.[0].extensions?.code).toBe('BAD_CURSOR')
    const malformed = await post(api.url, PAGE, { first: 1, after: 'bm90IGEgY3Vyc29y' })
    expect(malformed.errors?.[0]).toMatchObject({ message: 'Malformed cursor', extensions: { code: 'BAD_CURSOR' } })
    const both = await post(api.url, PAGE, { first: 1, last: 1 })
    expect(both.errors?.[0].message).toBe('Pass either first or last, not both')
  })
})
