// PostgreSQL crashes (`pg_ctl stop -m immediate`: no checkpoint, every backend killed) in the middle of a projection
// run, with every service connected to it: `attrib project` working through a backlog, `attrib serve`, and
// `attrib ingest` and `attrib ingest-usage` indexing a chain that keeps producing blocks. It stays down, comes
// back, and then: no service exited, each logged and counted its retries, each resumed, and the projection ends
// with the digest of a clean run over the same log (the projector commits asynchronously, so the crash may have
// lost its last transactions: they are applied again from the log).
import { keccak256, toHex } from 'viem'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { backlog } from '../../bench/generate.js'
import { waitUntilDrained } from '../../bench/measure.js'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { createKafkaLog } from '../../src/log/kafka-log.js'
import { createLogger } from '../../src/logger.js'
import { ensureAnvil, type RunningService } from '../services/anvil.js'
import { startPrivatePostgres, type PrivatePostgres } from '../services/postgres.js'
import { protocolEnv, testWallet } from '../support/chain.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { freePort } from '../support/net.js'
import { digestOf } from '../support/pipeline.js'
import { eventually, startCli, type CliProcess } from '../support/processes.js'
import { scrapeMetric } from '../support/prometheus.js'

const services = inject('services')
/** How long the database stays down; the services must ride out up to 60 s (DB_OUTAGE_MS to try that). */
const OUTAGE_MS = Number(process.env.DB_OUTAGE_MS ?? 8_000)
// Published once every service is up, so the projector starts on it then: the crash comes once a fifth of it is
// applied (here: as the last settlements were published, with the usage records applied and the settlements, the
// slow half, still to go). Published before the services started, a fast projector drained all of it while the
// chain ingester was still catching up.
const SHAPE = { inferences: 36_000, epochBlocks: 400, epochs: 3, chainId: 31337 }
const RETRIES = 'attrib_database_retries_total'

describe('a PostgreSQL crash under every service', () => {
  let postgres: PrivatePostgres
  let anvil: RunningService
  let chain: ReturnType<typeof testWallet>
  let protocol: ProtocolAddresses
  let contributions = 0
  const id = randomBytes(4).toString('hex')
  const namespace = `dbr-${id}`
  const processes: CliProcess[] = []
  const cleanups: (() => Promise<unknown>)[] = []
  const ends = new Map<string, bigint>()

  const contribute = () => chain.submitContribution(protocol, 1n, keccak256(toHex(`db-restart-${contributions++}`)), 0n)
  const start = (command: string, env: Record<string, string>) => {
    const p = startCli(command, env)
    processes.push(p)
    return p
  }
  const topics = { chain: `${namespace}.chain.${SHAPE.chainId}`, usage: `${namespace}.usage` }
  const withLog = async <T>(use: (log: ReturnType<typeof createKafkaLog>) => Promise<T>) => {
    const log = createKafkaLog({ brokers: services.kafkaBrokers.split(','), clientId: 'db-restart-test', logger: createLogger('warn') })
    try {
      return await use(log)
    } finally {
      await log.close()
    }
  }
  /**
   * The projector's workload: a backlog on the log, so the crash falls in the middle of a busy run. The usage
   * records go first: the epoch closer closes an epoch once every usage record on the log is applied, so a chain
   * topic ahead of the usage topic would close epochs before their records arrive (dead-lettered as too late,
   * unlike in the clean run, which finds the whole log there).
   */
  const publishBacklog = () =>
    withLog(async (log) => {
      const producer = await log.producer()
      const records = { chain: [] as Parameters<typeof producer.send>[1], usage: [] as Parameters<typeof producer.send>[1] }
      for (const { topic, record } of backlog(SHAPE)) records[topic].push(record)
      for (const topic of ['usage', 'chain'] as const) {
        for (let start = 0; start < records[topic].length; start += 5_000) await producer.send(topics[topic], records[topic].slice(start, start + 5_000))
        for (const [partition, end] of await log.endOffsets(topics[topic])) ends.set(`${topics[topic]}/${partition}`, end)
      }
    })
  const output = () => processes.map((p) => `--- ${p.child.spawnargs.slice(-1)[0]}\n${p.output().slice(-4000)}`).join('\n')

  beforeAll(async () => {
    postgres = await startPrivatePostgres()
    cleanups.push(() => postgres.remove())
    anvil = await ensureAnvil({ url: `http://127.0.0.1:${await freePort()}` })
    cleanups.push(() => anvil.stop())
    chain = testWallet(anvil.url, 0)
    protocol = await chain.deploy()
    await chain.createDatanet(protocol, 'ipfs://db-restart')

    // The projector's topics exist from the start; their records come later (publishBacklog).
    await withLog((log) =>
      log.ensureTopics([
        { name: topics.chain, partitions: 1 },
        { name: topics.usage, partitions: 4 },
        { name: `${namespace}.deadletter`, partitions: 1 },
      ]),
    )
  }, 120_000)

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  })

  it('every service waits the outage out, resumes, and the projection equals a clean run', async () => {
    await withClient(postgres.url, (c) => c.query('CREATE DATABASE attrib'))
    const dbUrl = postgres.url.replace(/\/postgres$/, '/attrib')
    const projection = { DB_URL: dbUrl, KAFKA_BROKERS: services.kafkaBrokers, TOPIC_NAMESPACE: namespace, CHAIN_ID: String(SHAPE.chainId), EPOCH_BLOCKS: String(SHAPE.epochBlocks) }
    const group = `g-${id}`
    const [projectorMetrics, apiPort, ingestMetrics, usagePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
    // The ingesters index the test's chain into a namespace of their own (nothing projects it): their cursors and
    // bookkeeping live in the crashing database.
    const ingesters = {
      ...protocolEnv(protocol),
      DB_URL: dbUrl,
      KAFKA_BROKERS: services.kafkaBrokers,
      RPC_ENDPOINT: anvil.url,
      CHAIN_ID: '31337',
      TOPIC_NAMESPACE: `${namespace}-ingest`,
      HEAD_POLL_INTERVAL_MS: '200',
      FINALITY_CONFIRMATIONS: '2',
      METRICS_PORT: String(ingestMetrics),
      USAGE_PORT: String(usagePort),
      USAGE_PENDING_RECHECK_MS: '500',
    }
    // Migrations first, by one process, so the services' start-up does not race the crash.
    await digestOf(dbUrl)
    const projector = start('project', { ...projection, PROJECTOR_GROUP: group, METRICS_PORT: String(projectorMetrics) })
    const api = start('serve', { DB_URL: dbUrl, GQL_PORT: String(apiPort) })
    const ingest = start('ingest', ingesters)
    const usage = start('ingest-usage', ingesters)
    const apiUrl = `http://127.0.0.1:${apiPort}/graphql`
    const closedEpochs = async () => {
      const data = await gql<{ epochs: { nodes: { status: string }[] } }>(apiUrl, '{ epochs { nodes { number status } } }')
      return data.epochs.nodes.filter((e) => e.status === 'CLOSED').length
    }
    const cursorHeight = () =>
      withClient(dbUrl, async (c) => Number((await c.query('SELECT coalesce(max(height), -1) AS h FROM ingest_cursor')).rows[0]?.h ?? -1))
    // Records of the backlog applied, over both topics.
    const applied = () =>
      withClient(dbUrl, async (c) => {
        const { rows } = await c.query('SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offset WHERE group_id = $1', [group])
        return BigInt(rows[0].n)
      })

    try {
      await eventually(async () => ((await fetch(`http://127.0.0.1:${usagePort}/healthz`)).ok ? true : undefined), 180_000, 'the usage ingester')
      await eventually(async () => ((await closedEpochs()) >= 0 ? true : undefined), 180_000, 'the API')
      await contribute()
      const head = Number(await chain.client.getBlockNumber())
      await eventually(async () => ((await cursorHeight()) >= head - 2 ? true : undefined), 180_000, 'the chain ingester at the head')
      await publishBacklog()
      const total = [...ends.values()].reduce((sum, end) => sum + end, 0n)
      // In the middle of the run: a fifth of the backlog applied, most still to come.
      await eventually(async () => ((await applied()) * 5n >= total ? true : undefined), 300_000, 'the projector under way')
      const appliedAtCrash = await applied()
      console.log(`database-restart: crash with ${appliedAtCrash} of ${total} records applied`)
      expect(appliedAtCrash).toBeLessThan(total)

      await postgres.crash()
      const down = Date.now()
      for (let i = 0; i < 3; i++) await contribute() // blocks the ingester must index while the database is down
      await eventually(
        async () => ((await scrapeMetric(`http://127.0.0.1:${ingestMetrics}/metrics`, RETRIES, { service: 'chain-ingest' })) ?? 0) > 0 ? true : undefined,
        OUTAGE_MS + 30_000,
        'a counted retry of the chain ingester',
      )
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - down))))
      for (const p of processes) expect(p.child.exitCode, output()).toBeNull()
      expect(await scrapeMetric(`http://127.0.0.1:${ingestMetrics}/metrics`, 'attrib_database_unavailable', { service: 'chain-ingest' })).toBe(1)
      await postgres.start()

      for (let i = 0; i < 2; i++) await contribute()
      await waitUntilDrained({ dbUrl, group, ends, isAlive: () => projector.child.exitCode == null, diagnostics: output })
      const finalHead = Number(await chain.client.getBlockNumber())
      await eventually(async () => ((await cursorHeight()) >= finalHead - 2 ? true : undefined), 60_000, 'the chain ingester back at the head')
      await eventually(async () => ((await closedEpochs()) === SHAPE.epochs ? true : undefined), 60_000, 'the API answering with every epoch closed')
      await eventually(
        async () => ((await scrapeMetric(`http://127.0.0.1:${usagePort}/metrics`, RETRIES, { service: 'usage-ingest' })) ?? 0) > 0 ? true : undefined,
        10_000,
        'a counted retry of the usage ingester',
      )
      await eventually(
        async () => ((await scrapeMetric(`http://127.0.0.1:${apiPort}/metrics`, 'attrib_api_change_feed_connected')) === 1 ? true : undefined),
        30_000,
        "the API's change feed listening again",
      )
      expect(await scrapeMetric(`http://127.0.0.1:${projectorMetrics}/metrics`, RETRIES, { service: 'projector' })).toBeGreaterThan(0)
      for (const p of [projector, api, ingest, usage]) expect(p.child.exitCode, output()).toBeNull()
      expect(projector.output()).toMatch(/PostgreSQL unavailable; retrying/)
      expect(ingest.output()).toMatch(/PostgreSQL unavailable; retrying/)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output()}`)
    }

    const clean = await createTestDatabase(services.dbUrl)
    cleanups.push(clean.drop)
    await digestOf(clean.url) // migrated before the projector starts, as above
    const cleanGroup = `clean-${id}`
    const cleanRun = start('project', { ...projection, DB_URL: clean.url, PROJECTOR_GROUP: cleanGroup, METRICS_PORT: '0' })
    await waitUntilDrained({ dbUrl: clean.url, group: cleanGroup, ends, isAlive: () => cleanRun.child.exitCode == null, diagnostics: output })
    expect(await digestOf(dbUrl)).toBe(await digestOf(clean.url))
  }, 900_000)
})
