import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { noticeCommit } from '../../src/db/change-notice.js'
import { withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { eventually } from '../support/processes.js'
import { sampleValue } from '../support/prometheus.js'
import { changeProjection, responseGeneration, startSeededApi } from './api-fixture.js'

const services = inject('services')

const DATANET = `query ($id: ID!) { datanet(id: $id) { id earned } }`

describe('the response cache', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 200)
    await eventually(async () => ((await responseGeneration(api.url)) >= 0 ? true : undefined), 10_000, 'the change feed to listen')
  })
  afterAll(() => api?.close())

  const cacheEvents = async (event: 'hit' | 'store') =>
    sampleValue(await (await fetch(`${api.baseUrl}/metrics`)).text(), 'attrib_api_response_cache_total', { event }) ?? 0
  const earned = async () => (await gql<any>(api.url, DATANET, { id: '1' })).datanet.earned as string

  it('answers a repeated query from the cache, and the first query after a commit from the database', async () => {
    const first = await earned()
    const hitsBefore = await cacheEvents('hit')
    expect(await earned()).toBe(first)
    expect(await cacheEvents('hit')).toBe(hitsBefore + 1)

    await changeProjection(api, `UPDATE datanet_epoch_stat SET amount = amount + 5 WHERE id = (SELECT min(id) FROM datanet_epoch_stat WHERE datanet_id = '1')`, [])
    expect(BigInt(await earned())).toBe(BigInt(first) + 5n)
  })

  it('never caches the indexing status, which the ingesters write without announcing it', async () => {
    const meta = `{ _meta { headHeight } }`
    const before = (await gql<any>(api.url, meta))._meta.headHeight as number
    expect((await gql<any>(api.url, meta))._meta.headHeight).toBe(before)
    await withClient(api.dbUrl, (db) => db.query('UPDATE ingest_cursor SET height = $1', [before + 1_000]))
    expect((await gql<any>(api.url, meta))._meta.headHeight).toBe(before + 1_000)
  })

  it('answers 304 to a client revalidating its ETag until the projection changes', async () => {
    const request = (etag?: string) =>
      fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
        body: JSON.stringify({ query: DATANET, variables: { id: '2' } }),
      })
    const first = await request()
    const etag = first.headers.get('etag')!
    expect(first.status).toBe(200)
    expect(etag).toMatch(/^\d+-[0-9a-f]{64}$/)
    expect((await request(etag)).status).toBe(304)

    await changeProjection(api, `UPDATE datanet_epoch_stat SET amount = amount + 1 WHERE id = (SELECT min(id) FROM datanet_epoch_stat WHERE datanet_id = '2')`, [])
    const after = await request(etag)
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(etag)
  })

  it('does not serve what it cached before a notice was lost while its change feed was down', async () => {
    const listener = `SELECT pid FROM pg_stat_activity WHERE application_name = 'attrib-api-changes' AND datname = current_database()`
    const first = await earned()
    expect(await earned()).toBe(first) // cached
    await withClient(api.dbUrl, async (db) => {
      const [{ pid }] = (await db.query(listener)).rows
      await db.query('SELECT pg_terminate_backend($1, 5000)', [pid])
      // Nobody listens now: this commit's notice is lost.
      await db.query('BEGIN')
      await db.query(`UPDATE datanet_epoch_stat SET amount = amount + 3 WHERE id = (SELECT min(id) FROM datanet_epoch_stat WHERE datanet_id = '1')`)
      await noticeCommit(db)
      await db.query('COMMIT')
      await eventually(async () => ((await db.query(listener)).rows.some((r) => r.pid !== pid) ? true : undefined), 15_000, 'the change feed to reconnect')
    })
    await eventually(async () => ((await responseGeneration(api.url)) >= 0 ? true : undefined), 5_000, 'the cache to resume')
    expect(await earned()).toBe((BigInt(first) + 3n).toString())
  })

  it('does not cache a query that failed', async () => {
    const stores = await cacheEvents('store')
    await expect(gql(api.url, `{ topContributors(scope: { contributor: "0x01" }) { amount } }`)).rejects.toThrow(/scope them by/)
    expect(await cacheEvents('store')).toBe(stores)
  })
})
