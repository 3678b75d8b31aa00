import { execFileSync } from 'node:child_process'
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openDatabase } from '../../src/db/data-source.js'
import { generateFixture, seedFixture } from '../int/api-fixture.js'
import { createTestDatabase } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { freePort } from '../support/net.js'
import { eventually, startCli, type CliProcess } from '../support/processes.js'
import { scrapeMetric } from '../support/prometheus.js'

const services = inject('services')

/** Pids of the processes `pid` started. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number)
  } catch {
    return [] // pgrep exits 1 when there are none
  }
}

/** A POST on a connection of its own (no keep-alive), so node:cluster hands each request to the next worker. */
function postOnNewConnection(url: string, query: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }))
    })
    request.on('error', reject)
    request.end(JSON.stringify({ query }))
  })
}

describe('attrib serve with GQL_WORKERS=2', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    await (await openDatabase(database.url)).destroy() // migrated
    await seedFixture(database.url, generateFixture(100))
  })
  afterAll(async () => {
    await database?.drop()
  })

  /** Each test runs its own `attrib serve`, so none depends on what another did to the workers. */
  async function startServe() {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const serve = startCli('serve', { DB_URL: database.url, GQL_PORT: String(port), GQL_WORKERS: '2' })
    const feedsListening = () => scrapeMetric(`${base}/metrics`, 'attrib_api_change_feed_connected')
    const bothListening = (what: string) =>
      eventually(async () => ((await feedsListening().catch(() => undefined)) === 2 ? true : undefined), 30_000, `${what}:\n${serve.output()}`)
    await bothListening('both workers to listen')
    return { serve, base, bothListening }
  }

  it('answers from both processes sharing the port, with metrics summed over both', async () => {
    const { serve, base } = await startServe()
    try {
      expect(childrenOf(serve.child.pid!)).toHaveLength(2)
      const cacheEvents = async () => ({
        store: (await scrapeMetric(`${base}/metrics`, 'attrib_api_response_cache_total', { event: 'store' })) ?? 0,
        hit: (await scrapeMetric(`${base}/metrics`, 'attrib_api_response_cache_total', { event: 'hit' })) ?? 0,
      })
      const before = await cacheEvents()
      const operationsBefore = (await scrapeMetric(`${base}/metrics`, 'attrib_api_operations_total', { type: 'query', outcome: 'ok' })) ?? 0
      // One document, each request on a new connection. Each worker has its own response cache, so a worker
      // stores the answer the first time it executes it and serves it from its cache afterwards: two stores
      // prove both workers answered (one worker answering all 20 stores once).
      for (let i = 0; i < 20; i++) {
        const { status, body } = await postOnNewConnection(`${base}/graphql`, '{ datanets(first: 5) { totalCount } }')
        expect(status).toBe(200)
        expect(body.data.datanets.totalCount).toBeGreaterThan(0)
      }
      const after = await cacheEvents()
      expect({ store: after.store - before.store, hit: after.hit - before.hit }).toEqual({ store: 2, hit: 18 })
      // The two stores are the only executions (metrics summed over both workers): the other 18 came from a cache.
      const operationsAfter = await scrapeMetric(`${base}/metrics`, 'attrib_api_operations_total', { type: 'query', outcome: 'ok' })
      expect(operationsAfter).toBe(operationsBefore + 2)
    } finally {
      await serve.stop()
    }
  })

  it('replaces a worker that dies, and stops every worker on SIGTERM', { timeout: 240_000 }, async () => {
    const { serve, base, bothListening } = await startServe()
    try {
      const [victim, survivor] = childrenOf(serve.child.pid!)
      process.kill(victim, 'SIGKILL')
      // A kept-alive connection to the dead worker is reset; new ones are served. A connection the primary
      // handed to the worker as it died is never answered, so each try gives up after 2 s and tries again.
      const answered = () =>
        gql<any>(base + '/graphql', '{ datanets(first: 1) { totalCount } }', {}, 2_000).then((d) => (d.datanets.totalCount > 0 ? true : undefined))
      await eventually(answered, 10_000, 'an answer after a worker died')
      const workers = await eventually(async () => {
        const now = childrenOf(serve.child.pid!)
        return now.length === 2 && !now.includes(victim) ? now : undefined
      }, 30_000, 'a new worker')
      expect(workers).toContain(survivor)
      await bothListening('the new worker to listen')

      const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)))
      serve.child.kill('SIGTERM')
      expect(await exited).toBe(0)
      for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow()
    } finally {
      await serve.stop()
    }
  })
})
