// Compiled queries (graphql-jit) answer exactly as graphql-js does: each document is sent three times, the first
// answered by graphql-js and the next two by the compiled query (counted on /metrics), and the answers must be
// equal. One-off documents, documents of several operations and variables graphql-jit would take otherwise than
// graphql-js are not compiled.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { QUERIES } from '../../bench/graphql.js'
import { sampleValue } from '../support/prometheus.js'
import { startSeededApi } from './api-fixture.js'

const services = inject('services')

/** Documents beyond the bench's: lazy page fields (cursors, counts, pages beyond), aliases, fragments, errors. */
const DOCUMENTS: { label: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    label: 'cursors, counts and the pages on either side',
    query: `query ($after: String) {
      inferences(first: 7, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id fee blockNumber settledAt model { id owner { id } } agent { id } } }
      }
    }`,
  },
  {
    label: 'a backward page with its count',
    query: `{ inferences(last: 5) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor } nodes { id mode } } }`,
  },
  {
    label: 'aliases, a fragment and nested connections',
    query: `fragment Paid on Contribution { id earned datanet { id metadataURI } contributor { id } }
      query {
        a: contributions(first: 3) { nodes { ...Paid attributions(first: 2) { totalCount nodes { amount inference { id } } } } }
        b: contributions(first: 3, orderBy: { field: ID, direction: DESC }) { edges { cursor node { ...Paid } } }
      }`,
  },
  {
    label: 'a field error next to data',
    query: `{ inference(id: "0xnot-an-inference") { id } inferences(first: 1, after: "not a cursor") { nodes { id } } }`,
  },
]

describe('compiled queries', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 300, { responseCacheEntries: 0 })
  })
  afterAll(() => api?.close())

  const compiled = async () => sampleValue(await (await fetch(`${api.baseUrl}/metrics`)).text(), 'attrib_api_compiled_queries_total') ?? 0

  async function answer(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables, operationName }),
    })
    return response.json()
  }

  /** The three answers to one document, and how many compilations they caused. */
  async function thrice(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
    const before = await compiled()
    const answers = []
    for (let k = 0; k < 3; k++) answers.push(await answer(query, variables, operationName))
    return { answers, compilations: (await compiled()) - before }
  }

  for (const family of QUERIES) {
    it(`answers the bench's "${family.label}" compiled as on graphql-js`, async () => {
      const client = new pg.Client({ connectionString: api.dbUrl })
      await client.connect()
      const [variables] = await family.variables(client).finally(() => client.end())
      const { answers, compilations } = await thrice(family.document, variables)
      expect(answers[0].errors).toBeUndefined()
      expect(family.answers(answers[0].data)).toBe(true)
      expect(answers[1]).toEqual(answers[0])
      expect(answers[2]).toEqual(answers[0])
      expect(compilations).toBe(1)
    })
  }

  for (const { label, query, variables } of DOCUMENTS) {
    it(`answers ${label} compiled as on graphql-js`, async () => {
      const { answers, compilations } = await thrice(query, variables)
      expect(answers[1]).toEqual(answers[0])
      expect(answers[2]).toEqual(answers[0])
      expect(compilations).toBe(1)
    })
  }

  it('pages on with the cursors a compiled query encodes', async () => {
    const query = DOCUMENTS[0].query
    await answer(query) // the document's first execution: the next ones are compiled
    const first = await answer(query)
    const second = await answer(query, { after: first.data.inferences.pageInfo.endCursor })
    expect(second.errors).toBeUndefined()
    expect(second.data.inferences.pageInfo.hasPreviousPage).toBe(true)
    const firstIds = first.data.inferences.edges.map((e: { node: { id: string } }) => e.node.id)
    const secondIds = second.data.inferences.edges.map((e: { node: { id: string } }) => e.node.id)
    expect(secondIds).toHaveLength(7)
    expect(secondIds.filter((id: string) => firstIds.includes(id))).toEqual([])
  })

  it('compiles neither a document sent once nor one holding several operations', async () => {
    const before = await compiled()
    const once = await answer('{ onlyOnce: inferences(first: 2) { nodes { id } } }')
    expect(once.data.onlyOnce.nodes).toHaveLength(2)
    const twoOperations = `query Page { inferences(first: 2) { nodes { id } } } query Count { inferences(first: 1) { totalCount } }`
    const pages = []
    for (let k = 0; k < 3; k++) pages.push(await answer(twoOperations, {}, 'Page'))
    const counts = []
    for (let k = 0; k < 3; k++) counts.push(await answer(twoOperations, {}, 'Count'))
    expect(pages.every((p) => p.data.inferences.nodes.length === 2)).toBe(true)
    expect(counts.every((c) => typeof c.data.inferences.totalCount === 'number' && c.data.inferences.nodes === undefined)).toBe(true)
    expect((await compiled()) - before).toBe(0)
  })

  it('leaves to graphql-js the variables graphql-jit takes otherwise: an omitted default, a value that does not coerce', async () => {
    const before = await compiled()
    const withDefault = 'query ($n: Int! = 2) { inferences(first: $n) { nodes { id } } }'
    for (let k = 0; k < 3; k++) expect((await answer(withDefault)).data.inferences.nodes).toHaveLength(2)
    const typed = 'query ($n: Int!) { inferences(first: $n) { nodes { id } } }'
    for (let k = 0; k < 3; k++) {
      const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: typed, variables: { n: [[1]] } }) })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { errors: { message: string }[] }).errors[0].message).toMatch(/^Variable "\$n" got invalid value/)
    }
    expect((await compiled()) - before).toBe(0)
  })
})
