// Protection of the API over real HTTP: depth and cost limits (also over WebSocket), page sizes, input that
// tries to reach SQL, and the /healthz and /metrics endpoints, including readiness when the database is gone.
import { createClient } from 'graphql-ws'
import WebSocket from 'ws'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startApiServer } from '../../src/api/server.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createLogger } from '../../src/logger.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { sampleValue } from '../support/prometheus.js'
import { HEAD, post, startSeededApi } from './api-fixture.js'

const services = inject('services')

describe('limits and health', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 300)
  })
  afterAll(() => api?.close())

  it('refuses a query nested too deep, before running it', async () => {
    const deep = `{ inference(id: "${api.fixture.inferences[0].id}") { attributions { nodes { contribution { datanet { models { nodes {
      datanets { nodes { contributions { nodes { contributor { models { nodes { id } } } } } } } } } } } } } } }`
    const response = await post(api.url, deep)
    expect(response.status).toBe(400)
    expect(response.errors).toEqual([expect.objectContaining({ message: 'Query depth 15 exceeds the maximum of 12', extensions: { code: 'QUERY_TOO_DEEP', depth: 15, maxDepth: 12 } })])
    expect(response.data).toBeUndefined()
  })

  it('refuses a query whose rows multiply past the cost limit, counting variables and aliases', async () => {
    const nested = 'query ($n: Int!) { inferences(first: 100) { nodes { attributions(first: $n) { nodes { contributor { id } } } } } }'
    const costly = await post(api.url, nested, { n: 100 })
    expect(costly.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY', cost: 10_101, maxCost: 10_000 } })
    expect(costly.data).toBeUndefined()
    const affordable = await post(api.url, nested, { n: 50 })
    expect(affordable.errors).toBeUndefined()
    expect((affordable.data as any).inferences.nodes).toHaveLength(100)

    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: inferences(first: 100) { nodes { model { id } } }`).join(' ')} }`
    expect((await post(api.url, aliases(99))).errors).toBeUndefined() // 99 x (1 + 100) = 9,999
    expect((await post(api.url, aliases(100))).errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY')
  })

  it('applies the same limits over WebSocket', async () => {
    const client = createClient({ url: api.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 })
    try {
      const run = async (query: string) => {
        for await (const result of client.iterate({ query })) return result
      }
      const costly = await run('{ inferences(first: 100) { nodes { attributions(first: 100) { nodes { contributor { id } } } } } }')
      expect(costly?.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY' } })
      const fine = await run('{ inferences(first: 3) { nodes { id } } }')
      expect((fine?.data as any).inferences.nodes).toHaveLength(3)
      await expect(run('{ inferences(first: 3) { nodes { id, nope } } }')).rejects.toMatchObject([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })])
    } finally {
      await client.dispose()
    }
  })

  it('refuses oversized pages, rankings, lineages and lists with the limit in the error', async () => {
    const cases: [string, string, string][] = [
      ['{ datanets(first: 1000) { nodes { id } } }', 'PAGE_SIZE_EXCEEDED', 'A page holds at most 100 rows; 1000 were asked for'],
      ['{ topContributors(first: 101) { amount } }', 'PAGE_SIZE_EXCEEDED', 'A ranking holds at most 100 rows'],
      ['{ lineage(kind: MODEL, id: "1", direction: UPSTREAM, depth: 7) { truncated } }', 'BAD_USER_INPUT', 'depth must be between 1 and 6'],
      [`{ datanets(where: { id: { in: [${Array.from({ length: 501 }, (_, i) => `"${i}"`).join(',')}] } }) { nodes { id } } }`, 'BAD_USER_INPUT', 'where.id.in takes at most 500 values'],
    ]
    for (const [query, code, message] of cases) {
      const response = await post(api.url, query)
      expect(response.errors?.[0]).toMatchObject({ message, extensions: { code } })
    }
  })

  it('keeps input away from SQL: hostile values match nothing, hostile identifiers are refused', async () => {
    const tables = async () => withClient(api.dbUrl, async (db) => (await db.query('SELECT (SELECT count(*) FROM inference)::int AS i, (SELECT count(*) FROM datanet)::int AS d')).rows[0])
    const before = await tables()
    const quoted = await post(api.url, `{ datanets(where: { id: { eq: "1' OR '1'='1" } }) { totalCount } datanet(id: "1; DROP TABLE datanet") { id } }`)
    expect(quoted).toMatchObject({ data: { datanets: { totalCount: 0 }, datanet: null } })
    const orderBy = await post(api.url, '{ inferences(orderBy: { field: "fee; DROP TABLE inference" }) { totalCount } }')
    expect(orderBy.status).toBe(400)
    const address = await post(api.url, `{ lineage(kind: CONTRIBUTOR, id: "x'); DROP TABLE inference; --", direction: DOWNSTREAM) { truncated } }`)
    expect(address.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT')
    const forged = Buffer.from(JSON.stringify(['BLOCK_NUMBER', '1) OR (1=1', '0', 'x'])).toString('base64url')
    const cursor = await post(api.url, `{ inferences(after: "${forged}") { totalCount } }`)
    expect(cursor.errors?.[0]).toMatchObject({ message: 'Malformed cursor', extensions: { code: 'BAD_CURSOR' } })
    const bigint = await post(api.url, '{ inferences(where: { fee: { gte: "1 OR 1=1" } }) { totalCount } }')
    expect(bigint.errors?.[0].message).toContain('BigInt must be a decimal integer string')
    expect(await tables()).toEqual(before)
  })

  it('answers /healthz with readiness and the lag, /healthz/live, and /metrics', async () => {
    const health = await fetch(`${api.baseUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ready', ready: true, database: 'up', indexedHeight: HEAD.finalized, headHeight: HEAD.top, lag: HEAD.top - HEAD.finalized, changeFeed: 'listening' })
    expect((await fetch(`${api.baseUrl}/healthz/live`)).status).toBe(200)
    // This test's own operations, counted on top of whatever the file's other tests ran before it.
    const counters = async () => {
      const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text()
      return {
        ok: sampleValue(metrics, 'attrib_api_operations_total', { type: 'query', outcome: 'ok' }) ?? 0,
        cost: sampleValue(metrics, 'attrib_api_rejected_operations_total', { reason: 'cost' }) ?? 0,
        depth: sampleValue(metrics, 'attrib_api_rejected_operations_total', { reason: 'depth' }) ?? 0,
        changeFeed: sampleValue(metrics, 'attrib_api_change_feed_connected'),
      }
    }
    const before = await counters()
    // An alias no other request used, so no response cache answers it.
    expect((await post(api.url, `{ ok${Date.now()}: inferences(first: 1) { totalCount } }`)).errors).toBeUndefined()
    expect((await post(api.url, `{ costly${Date.now()}: inferences(first: 100) { nodes { attributions(first: 100) { nodes { contributor { id } } } } } }`)).errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY')
    // Documents of their own too: a document already validated is not checked (nor counted) again.
    const deep = `{ deep${Date.now()}: inference(id: "${api.fixture.inferences[0].id}") { attributions { nodes { contribution { datanet { models { nodes {
      datanets { nodes { contributions { nodes { contributor { models { nodes { id } } } } } } } } } } } } } } }`
    expect((await post(api.url, deep)).errors?.[0].extensions?.code).toBe('QUERY_TOO_DEEP')
    expect(await counters()).toEqual({ ok: before.ok + 1, cost: before.cost + 1, depth: before.depth + 1, changeFeed: 1 })
  })

  it('is not ready while lagging more than allowed, nor when the database is gone, yet stays live', async () => {
    const database = await createTestDatabase(services.dbUrl)
    const db = await openDatabase(database.url)
    await withClient(database.url, (c) => c.query(`INSERT INTO chain_state VALUES (1, 100, '0x'); INSERT INTO ingest_cursor VALUES (1, 100, '0x', '[{"height": 110, "hash": "0x"}]')`))
    const server = await startApiServer({ db, logger: createLogger('silent'), port: 0, maxReadyLag: 5 })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const lagging = await fetch(`${base}/healthz`)
      expect(lagging.status).toBe(503)
      expect(await lagging.json()).toMatchObject({ status: 'lagging', ready: false, database: 'up', lag: 10 })
      await database.drop() // terminates the API's connections and removes the database
      const down = await fetch(`${base}/healthz`)
      expect(down.status).toBe(503)
      expect(await down.json()).toMatchObject({ status: 'unavailable', ready: false, database: 'down' })
      expect((await fetch(`${base}/healthz/live`)).status).toBe(200)
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await db.destroy().catch(() => {})
    }
  })
})
