// SQL statements per GraphQL operation, read from the API's own metric: each of the bench's query families runs
// in at most two statements, a reference whose id the parent row holds costs none when only its id is asked,
// and to-one rows asked for more than their id come joined into their parent's statement.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { QUERIES } from '../../bench/graphql.js'
import { sampleValue } from '../support/prometheus.js'
import { startSeededApi } from './api-fixture.js'

const services = inject('services')

describe('SQL statements per operation', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 600, { responseCacheEntries: 0 })
  })
  afterAll(() => api?.close())

  /** Runs one operation and returns its data and the statements it ran. */
  async function measured(query: string, variables: Record<string, unknown> = {}) {
    const read = async () => sampleValue(await (await fetch(`${api.baseUrl}/metrics`)).text(), 'attrib_api_sql_statements_per_operation_sum') ?? 0
    const before = await read()
    const response = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })
    const body = (await response.json()) as { data?: any; errors?: unknown[] }
    expect(body.errors).toBeUndefined()
    return { data: body.data, statements: (await read()) - before }
  }

  for (const query of QUERIES.filter((q) => q.name !== 'floor')) {
    it(`runs the bench's "${query.label}" in at most 2 statements, for every argument set`, async () => {
      const client = new pg.Client({ connectionString: api.dbUrl })
      await client.connect()
      const sets = await query.variables(client).finally(() => client.end())
      expect(sets.length).toBeGreaterThan(0)
      for (const variables of sets) {
        const { data, statements } = await measured(query.document, variables)
        expect(query.answers(data)).toBe(true)
        expect(statements, JSON.stringify(variables)).toBeGreaterThanOrEqual(1)
        expect(statements, JSON.stringify(variables)).toBeLessThanOrEqual(2)
      }
    })
  }

  it('answers a reference asked only for its id from the parent row, and loads it once more is asked', async () => {
    const onlyIds = await measured('{ inferences(first: 50) { nodes { id model { id } modelOwner { id } agent { id } } } }')
    expect(onlyIds.statements).toBe(1)
    const withOwner = await measured('{ inferences(first: 50) { nodes { id model { id owner { id } } } } }')
    // the model row is joined into the page; its owner's id is in that row
    expect(withOwner.statements).toBe(1)
    const client = await connected(api.dbUrl)
    try {
      const { rows } = await client.query(
        `SELECT i.model_id AS model, i.model_owner_id AS "modelOwner", m.owner_id AS owner, a.id AS agent
         FROM inference i JOIN model m ON m.id = i.model_id LEFT JOIN agent a ON a.id = i.agent_id
         ORDER BY i.block_number DESC, i.log_index DESC LIMIT 50`,
      )
      expect(onlyIds.data.inferences.nodes.map((n: any) => [n.model.id, n.modelOwner.id])).toEqual(rows.map((r) => [r.model, r.modelOwner]))
      // An inference's agent id is set only while the agent exists: the id alone answers `agent { id }`.
      expect(rows.some((r) => r.agent !== null)).toBe(true)
      expect(onlyIds.data.inferences.nodes.map((n: any) => n.agent?.id ?? null)).toEqual(rows.map((r) => r.agent))
      expect(withOwner.data.inferences.nodes.map((n: any) => n.model.owner.id)).toEqual(rows.map((r) => r.owner))
    } finally {
      await client.end()
    }
  })

  it('joins the rows to-one fields ask more of into the parent statement, with the same answer as loading them', async () => {
    const joined = await measured(`{ attributions(first: 40) { nodes { id contribution { id status stake datanet { id } } datanet { id metadataURI } } } }`)
    expect(joined.statements).toBe(1)
    const client = await connected(api.dbUrl)
    try {
      for (const node of joined.data.attributions.nodes) {
        const { rows } = await client.query(
          `SELECT c.status, c.stake::text AS stake, c.datanet_id AS "datanetId", d.metadata_uri AS uri
           FROM attribution_edge e JOIN contribution c ON c.id = e.contribution_id JOIN datanet d ON d.id = e.datanet_id WHERE e.id = $1`,
          [node.id],
        )
        expect(node.contribution).toMatchObject({ status: rows[0].status, stake: rows[0].stake, datanet: { id: rows[0].datanetId } })
        expect(node.datanet.metadataURI).toBe(rows[0].uri)
      }
    } finally {
      await client.end()
    }
  })

  it('joins a ranking\'s entity rows into the ranking when more than their ids is asked, in the ranking\'s order', async () => {
    const client = await connected(api.dbUrl)
    try {
      const busiest = async (key: string, other: string) =>
        (await client.query(`SELECT ${key} AS id FROM attribution_epoch_stat GROUP BY 1 ORDER BY count(DISTINCT ${other}) DESC, 1 LIMIT 1`)).rows[0].id
      const model = await busiest('model_id', 'datanet_id')
      const datanet = await busiest('datanet_id', 'model_id')
      const cases = [
        { field: 'topContributors', scope: `{ model: "${model}" }`, entity: 'contributor', extra: 'firstSeenBlock', sql: 'SELECT first_seen_block AS v FROM contributor WHERE id = $1' },
        { field: 'topDatanets', scope: `{ model: "${model}" }`, entity: 'datanet', extra: 'metadataURI', sql: 'SELECT metadata_uri AS v FROM datanet WHERE id = $1' },
        { field: 'topModels', scope: `{ datanet: "${datanet}" }`, entity: 'model', extra: 'owner { id }', sql: 'SELECT json_build_object(\'id\', owner_id) AS v FROM model WHERE id = $1' },
        { field: 'topModels', scope: '{}', entity: 'model', extra: 'isAdapter', sql: 'SELECT is_adapter AS v FROM model WHERE id = $1' },
      ]
      for (const c of cases) {
        const ids = await measured(`{ ${c.field}(scope: ${c.scope}, first: 50) { rank amount ${c.entity} { id } } }`)
        const rows = await measured(`{ ${c.field}(scope: ${c.scope}, first: 50) { rank amount ${c.entity} { id ${c.extra} } } }`)
        expect(ids.statements, c.field).toBe(1)
        expect(rows.statements, c.field).toBe(1)
        const ranking = ids.data[c.field]
        expect(ranking.length, c.field).toBeGreaterThan(1)
        // The same ranking, row for row, with each entity's own values.
        expect(rows.data[c.field].map((r: any) => [r.rank, r.amount, r[c.entity].id])).toEqual(ranking.map((r: any) => [r.rank, r.amount, r[c.entity].id]))
        const extraField = c.extra.split(' ')[0]
        for (const r of rows.data[c.field]) {
          const { rows: [expected] } = await client.query(c.sql, [r[c.entity].id])
          expect(r[c.entity][extraField], `${c.field} ${r[c.entity].id}`).toEqual(expected.v)
        }
      }
    } finally {
      await client.end()
    }
  })

  it('fetches a lookup and the one connection it asks for in one statement, with the answer of two', async () => {
    for (const name of ['inferenceAttribution', 'contributorPayouts']) {
      const query = QUERIES.find((q) => q.name === name)!
      const client = await connected(api.dbUrl)
      const sets = await query.variables(client).finally(() => client.end())
      // The same connection under a second alias: two pages asked, so the lookup and each page go separately.
      const connection = name === 'inferenceAttribution' ? 'attributions(first: 100)' : 'payouts(first: 25)'
      const twice = query.document.replace(connection, `again: ${connection} { totalCount } ${connection}`)
      expect(twice).not.toBe(query.document)
      for (const variables of sets) {
        // Twice each: the first execution is graphql-js's, the next ones the compiled query's.
        for (const round of [1, 2]) {
          const combined = await measured(query.document, variables)
          expect(combined.statements, `${name} round ${round}`).toBe(1)
          const separate = await measured(twice, variables)
          expect(separate.statements).toBeGreaterThan(1)
          const { again, ...rest } = Object.values(separate.data)[0] as Record<string, unknown>
          expect(again).toBeDefined()
          expect({ [Object.keys(separate.data)[0]]: rest }).toEqual(combined.data)
        }
      }
    }
  })

  it('answers a missing row with its connection asked as null, a row without children with an empty page, and pages on', async () => {
    const missing = await measured('{ inference(id: "0x' + 'ab'.repeat(32) + '") { id attributions(first: 5) { nodes { id } } } }')
    expect(missing.data.inference).toBeNull()
    expect(missing.statements).toBe(1)
    const client = await connected(api.dbUrl)
    try {
      const { rows: [owner] } = await client.query("SELECT i.id FROM inference i WHERE i.mode = 'OWNER' LIMIT 1")
      const empty = await measured('query ($id: String!) { inference(id: $id) { id attributions(first: 5) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }', { id: owner.id })
      expect(empty.data.inference.attributions).toEqual({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } })
      const { rows: edges } = await client.query(
        `SELECT e.inference_id AS inference, array_agg(e.id ORDER BY e.amount DESC, e.id DESC) AS ids FROM attribution_edge e
         GROUP BY 1 HAVING count(*) > 3 ORDER BY 1 LIMIT 1`,
      )
      expect(edges).toHaveLength(1)
      const page = 'query ($id: String!, $after: String) { inference(id: $id) { attributions(first: 2, after: $after, orderBy: { field: AMOUNT, direction: DESC }) { nodes { id } pageInfo { hasNextPage endCursor } } } }'
      const seen: string[] = []
      let after: string | null = null
      do {
        const step = await measured(page, { id: edges[0].inference, after })
        expect(step.statements).toBe(1)
        const { nodes, pageInfo } = step.data.inference.attributions
        seen.push(...nodes.map((n: { id: string }) => n.id))
        after = pageInfo.hasNextPage ? pageInfo.endCursor : null
      } while (after)
      expect(seen).toEqual(edges[0].ids)
    } finally {
      await client.end()
    }
  })

  it('encodes cursors only when asked, and the ones it encodes page on', async () => {
    const first = await measured('{ inferences(first: 3) { edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }')
    const { edges, pageInfo } = first.data.inferences
    expect(pageInfo.endCursor).toBe(edges[2].cursor)
    const next = await measured('query ($after: String!) { inferences(first: 3, after: $after) { nodes { id } } }', { after: pageInfo.endCursor })
    expect(next.data.inferences.nodes.map((n: any) => n.id)).not.toContain(edges[2].node.id)
    expect(next.data.inferences.nodes).toHaveLength(3)
  })
})

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return client
}
