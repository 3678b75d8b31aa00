// The Kafka broker goes away while `attrib ingest` runs and transactions keep coming: the ingester must stay
// up, log and count its publish retries, and, once the broker is back (same data), carry on so that the
// projection ends equal to a clean index of the same blocks: nothing skipped, nothing doubled.
import { keccak256, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { startPrivateKafka, type PrivateKafka } from '../services/kafka.js'
import { testWallet } from '../support/chain.js'
import { withClient } from '../support/database.js'
import { freePort } from '../support/net.js'
import { startPipeline, type Pipeline } from '../support/pipeline.js'
import { eventually } from '../support/processes.js'
import { scrapeMetric } from '../support/prometheus.js'

const services = inject('services')
const chain = testWallet(services.rpcEndpoint, 6)
const RETRY_LOG = 'publishing to the log failed; retrying'

describe('a Kafka outage under a running ingester', () => {
  let broker: PrivateKafka
  let protocol: ProtocolAddresses
  let startBlock: bigint
  let contributions = 0
  const pipelines: Pipeline[] = []

  const contribute = () => chain.submitContribution(protocol, 1n, keccak256(toHex(`outage-${contributions++}`)), 0n)

  async function untilProjected(p: Pipeline, what: string) {
    await eventually(
      () =>
        withClient(p.database.url, async (db) => {
          const { rows } = await db.query('SELECT count(*)::int AS n FROM contribution')
          return rows[0].n === contributions ? true : undefined
        }),
      60_000,
      what,
    ).catch((err) => {
      throw new Error(`${err.message}\n${p.output()}`)
    })
  }

  beforeAll(async () => {
    broker = await startPrivateKafka()
    protocol = await chain.deploy()
    startBlock = await chain.client.getBlockNumber()
    await chain.createDatanet(protocol, 'ipfs://outage')
  })

  afterAll(async () => {
    await Promise.all(pipelines.map((p) => p.stop()))
    await broker?.stop()
  })

  it('waits out the outage with retries, then projects every event exactly once', async () => {
    const metricsPort = await freePort()
    const metrics = (name: string) => scrapeMetric(`http://127.0.0.1:${metricsPort}/metrics`, name)
    const live = await startPipeline({
      rpcEndpoint: services.rpcEndpoint,
      kafkaBrokers: broker.url,
      adminDbUrl: services.dbUrl,
      protocol,
      startBlock,
      env: { METRICS_PORT: String(metricsPort) },
    })
    pipelines.push(live)
    for (let i = 0; i < 3; i++) await contribute()
    await untilProjected(live, 'the contributions before the outage')

    await broker.pause()
    for (let i = 0; i < 5; i++) await contribute()
    // kafkajs retries a send itself for about 30 s before the ingester's own backoff takes over and logs it.
    await eventually(async () => (live.processes.ingest.output().includes(RETRY_LOG) ? true : undefined), 60_000, 'a logged publish retry')
      .catch((err) => { throw new Error(`${err.message}\n${live.output()}`) })
    expect(await metrics('attrib_ingest_publish_retries_total')).toBeGreaterThan(0)
    expect(live.processes.ingest.child.exitCode).toBeNull()
    for (let i = 0; i < 2; i++) await contribute()

    await broker.resume()
    for (let i = 0; i < 3; i++) await contribute()
    await untilProjected(live, 'every contribution after the broker came back')
    expect(live.processes.ingest.child.exitCode).toBeNull()

    const clean = await startPipeline({
      rpcEndpoint: services.rpcEndpoint,
      kafkaBrokers: broker.url,
      adminDbUrl: services.dbUrl,
      protocol,
      startBlock,
    })
    pipelines.push(clean)
    await untilProjected(clean, 'a clean index of the same blocks')
    expect(await live.digest()).toBe(await clean.digest())
  }, 150_000)
})
