// `npm start` as a new user runs it: `attrib dev` with no DB_URL, KAFKA_BROKERS or RPC_ENDPOINT, in a fresh data
// folder. It must show generated activity over GraphQL, stop cleanly on Ctrl-C (no anvil or socket left), and
// after a restart on the same folder keep everything it had, nothing lost or doubled.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { freePort } from '../support/net.js'
import { eventually } from '../support/processes.js'

const CLI = fileURLToPath(new URL('../../lib/cli.js', import.meta.url))

interface DevRun {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
}

function startDev(dataDir: string, ports: { gql: number; usage: number; metrics: number }): DevRun {
  const env = { ...process.env, GQL_PORT: String(ports.gql), USAGE_PORT: String(ports.usage), METRICS_PORT: String(ports.metrics), LOG_LEVEL: 'info' }
  for (const name of ['DB_URL', 'KAFKA_BROKERS', 'RPC_ENDPOINT']) delete env[name]
  const child = spawn(process.execPath, [CLI, 'dev', '--data-dir', dataDir, '--seed', '7'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => (output = (output + d).slice(-100_000)))
  child.stderr!.on('data', (d) => (output = (output + d).slice(-100_000)))
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
}

async function answers(url: string, body: unknown): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(1000) })
    return response.ok
  } catch {
    return false
  }
}

describe('npm start: the embedded pipeline', () => {
  let dataDir: string
  const runs: DevRun[] = []

  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode == null) run.child.kill('SIGKILL')
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('shows live data, stops cleanly, and resumes after a restart with nothing lost or doubled', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'attrib-dev-'))
    const ports = { gql: await freePort(), usage: await freePort(), metrics: await freePort() }
    const graphql = `http://127.0.0.1:${ports.gql}/graphql`
    const first = startDev(dataDir, ports)
    runs.push(first)
    const banner = await eventually(async () => first.output().match(/served at (postgres:\/\/\S+)\)[\s\S]*anvil at (http:\/\/\S+) /) ?? undefined, 90_000, 'the startup banner')
      .catch((err) => { throw new Error(`${err.message}\n${first.output().slice(-4000)}`) })
    const [, dbUrl, rpcUrl] = banner
    expect(first.output()).toContain(`GraphiQL: http://127.0.0.1:${ports.gql}/graphql`)

    type Graph = {
      datanets: { nodes: { id: string; owner: { id: string } }[] }
      models: { totalCount: number }
      inferences: { nodes: { id: string }[] }
    }
    const graphNow = () =>
      gql<Graph>(graphql, '{ datanets(first: 100) { nodes { id owner { id } } } models(first: 1) { totalCount } inferences(first: 100) { nodes { id } } }')
    await eventually(
      async () => {
        const g = await graphNow()
        return g.datanets.nodes.length >= 2 && g.models.totalCount >= 1 && g.inferences.nodes.length >= 3 ? true : undefined
      },
      150_000,
      'generated datanets, models and inferences in GraphQL',
    ).catch((err) => { throw new Error(`${err.message}\n${first.output().slice(-4000)}`) })
    const before = await graphNow()
    const datanetsBefore = before.datanets.nodes
    const inferencesBefore = before.inferences.nodes.map((i) => i.id)

    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)
    // nothing left behind: the chain, the database socket and the API are gone with the process
    expect(await answers(rpcUrl, { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] })).toBe(false)
    await expect(withClient(dbUrl, (db) => db.query('SELECT 1'))).rejects.toThrow()
    expect(await answers(graphql, { query: '{ __typename }' })).toBe(false)

    const second = startDev(dataDir, ports)
    runs.push(second)
    await eventually(async () => ((await answers(graphql, { query: '{ __typename }' })) ? true : undefined), 90_000, 'the restarted API')
      .catch((err) => { throw new Error(`${err.message}\n${second.output().slice(-4000)}`) })
    const datanetsAfter = (await graphNow()).datanets.nodes
    for (const datanet of datanetsBefore) expect(datanetsAfter).toContainEqual(datanet)
    expect(new Set(datanetsAfter.map((d) => d.id)).size).toBe(datanetsAfter.length)
    const [, secondDbUrl] = await eventually(async () => second.output().match(/served at (postgres:\/\/\S+)\)/) ?? undefined, 60_000, 'the second banner')
    const inferencesAfter = await withClient(secondDbUrl, async (db) => (await db.query('SELECT id FROM inference')).rows.map((r) => r.id as string))
    expect(inferencesAfter).toEqual(expect.arrayContaining(inferencesBefore))
    // the chain resumed too (anvil state kept): the ingester did not start over and re-apply old events
    const [{ dupes }] = await withClient(secondDbUrl, async (db) => (await db.query(
      `SELECT count(*)::int AS dupes FROM (SELECT tx_hash, count(*) FROM datanet GROUP BY tx_hash HAVING count(*) > 1) d`)).rows)
    expect(dupes).toBe(0)
    // and the workload carries on in the world it built: new settlements, not reverted re-registrations
    await eventually(
      async () => (((await withClient(secondDbUrl, (db) => db.query('SELECT count(*)::int AS n FROM inference'))).rows[0].n as number) >= inferencesAfter.length + 3 ? true : undefined),
      90_000,
      'settlements after the restart',
    ).catch((err) => { throw new Error(`${err.message}\n${second.output().slice(-4000)}`) })
    second.child.kill('SIGINT')
    expect(await second.exited).toBe(0)
  }, 400_000)
})
