import { execFileSync } from 'node:child_process'
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

describe('attrib serve with GQL_WORKERS=2', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let serve: CliProcess
  let base: string

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    await (await openDatabase(database.url)).destroy() // migrated
    await seedFixture(database.url, generateFixture(100))
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    serve = startCli('serve', { DB_URL: database.url, GQL_PORT: String(port), GQL_WORKERS: '2' })
  })
  afterAll(async () => {
    await serve?.stop()
    await database?.drop()
  })

  const feedsListening = () => scrapeMetric(`${base}/metrics`, 'attrib_api_change_feed_connected')

  it('answers from two processes sharing the port, with metrics summed over both', async () => {
    await eventually(async () => ((await feedsListening().catch(() => undefined)) === 2 ? true : undefined), 30_000, `both workers to listen:\n${serve.output()}`)
    expect(childrenOf(serve.child.pid!)).toHaveLength(2)
    const before = (await scrapeMetric(`${base}/metrics`, 'attrib_api_operations_total', { type: 'query', outcome: 'ok' })) ?? 0
    // Different documents, so none is answered from a response cache: each request executes in some worker.
    for (let i = 0; i < 20; i++) {
      const data = await gql<any>(base + '/graphql', `query Q${i} { datanets(first: 5) { totalCount } }`)
      expect(data.datanets.totalCount).toBeGreaterThan(0)
    }
    const after = await scrapeMetric(`${base}/metrics`, 'attrib_api_operations_total', { type: 'query', outcome: 'ok' })
    expect(after).toBe(before + 20)
  })

  it('replaces a worker that dies, and stops every worker on SIGTERM', async () => {
    const [victim, survivor] = childrenOf(serve.child.pid!)
    process.kill(victim, 'SIGKILL')
    // A kept-alive connection to the dead worker is reset; new ones are served.
    const answered = () => gql<any>(base + '/graphql', '{ datanets(first: 1) { totalCount } }').then((d) => (d.datanets.totalCount > 0 ? true : undefined))
    await eventually(answered, 10_000, 'an answer after a worker died')
    const workers = await eventually(async () => {
      const now = childrenOf(serve.child.pid!)
      return now.length === 2 && !now.includes(victim) ? now : undefined
    }, 30_000, 'a new worker')
    expect(workers).toContain(survivor)
    await eventually(async () => ((await feedsListening().catch(() => undefined)) === 2 ? true : undefined), 30_000, 'the new worker to listen')

    const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)))
    serve.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow()
  })
})
