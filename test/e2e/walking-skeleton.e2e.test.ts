// The whole pipeline on real services: contracts on anvil → `attrib ingest` → Kafka → `attrib project` →
// PostgreSQL → `attrib serve` → GraphQL over HTTP. Each stage runs as its own process, as in production,
// so breaking any one of them leaves the datanet missing from the API and fails this test.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { promisify } from 'node:util'
import { keccak256, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { repoRoot } from '../../src/repo-root.js'
import { protocolEnv, testWallet } from '../support/chain.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { freePort } from '../support/net.js'
import { once } from '../support/once.js'
import { eventually, startCli, type CliProcess } from '../support/processes.js'
import { scrapeMetric } from '../support/prometheus.js'

const services = inject('services')
const wallet = testWallet(services.rpcEndpoint, 5)

describe('walking skeleton: chain → Kafka → Postgres → GraphQL', () => {
  const processes: CliProcess[] = []
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let graphqlUrl: string
  let datanetId: string
  const contentHashes = [keccak256(toHex('row-1')), keccak256(toHex('row-2'))]
  const stakes = [0n, 1_000_000_000_000_000_001n]

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    const protocol = await wallet.deploy()
    const startBlock = await wallet.client.getBlockNumber()

    await wallet.createDatanet(protocol, 'ipfs://datanet-e2e')
    datanetId = (await wallet.client.readContract({
      address: protocol.datanets,
      abi: [{ type: 'function', name: 'datanetCount', inputs: [], outputs: [{ type: 'uint256' }], stateMutability: 'view' }],
      functionName: 'datanetCount',
    })).toString()
    for (const [i, hash] of contentHashes.entries()) {
      await wallet.submitContribution(protocol, BigInt(datanetId), hash, stakes[i])
    }

    const port = await freePort()
    graphqlUrl = `http://127.0.0.1:${port}/graphql`
    const env = {
      ...protocolEnv(protocol),
      DB_URL: database.url,
      KAFKA_BROKERS: services.kafkaBrokers,
      RPC_ENDPOINT: services.rpcEndpoint,
      CHAIN_ID: '31337',
      START_BLOCK: startBlock.toString(),
      FINALITY_CONFIRMATIONS: '2',
      TOPIC_NAMESPACE: `e2e-${randomBytes(4).toString('hex')}`,
      PROJECTOR_GROUP: `e2e-${randomBytes(4).toString('hex')}`,
      GQL_PORT: String(port),
      METRICS_PORT: String(await freePort()),
    }
    // As an operator would: the schema first (`attrib serve` changes none, and refuses an old one), then the
    // stages; the metrics port is the ingester's (`attrib project` would serve on it too).
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'lib/cli.js'), 'migrate'], { env: { ...process.env, ...env } })
    processes.push(startCli('ingest', env), startCli('project', { ...env, METRICS_PORT: '0' }), startCli('serve', env))
  })

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await database?.drop()
  })

  /** The datanet and both contributions, once GraphQL serves them (the barrier every test waits for). */
  const served = once(async () => {
    type Result = {
      datanet: {
        id: string
        owner: { id: string }
        metadataURI: string
        contributions: { nodes: { id: string; contentHash: string; stake: string; status: string; contributor: { id: string }; datanet: { id: string } }[] }
      } | null
    }
    const query = /* GraphQL */ `
      query ($id: ID!) {
        datanet(id: $id) {
          id
          owner { id }
          metadataURI
          contributions { nodes { id contentHash stake status contributor { id } datanet { id } } }
        }
      }`
    return eventually(
      async () => {
        const data = await gql<Result>(graphqlUrl, query, { id: datanetId })
        return data.datanet && data.datanet.contributions.nodes.length === 2
          ? { ...data.datanet, contributions: data.datanet.contributions.nodes }
          : undefined
      },
      90_000,
      'the datanet and both contributions in GraphQL',
    ).catch((err) => {
      throw new Error(`${err.message}\n--- process output ---\n${processes.map((p) => p.output().slice(-4000)).join('\n---\n')}`)
    })
  })

  it('serves the datanet with both contributions, exactly as submitted on chain', async () => {
    const result = await served()
    const me = wallet.account.address.toLowerCase()
    expect(result.id).toBe(datanetId)
    expect(result.owner.id).toBe(me)
    expect(result.metadataURI).toBe('ipfs://datanet-e2e')
    expect(result.contributions.map((c) => c.contentHash)).toEqual(contentHashes)
    expect(result.contributions.map((c) => c.stake)).toEqual(stakes.map(String))
    expect(result.contributions.every((c) => c.status === 'PENDING' && c.contributor.id === me)).toBe(true)
    expect(result.contributions.every((c) => c.datanet.id === datanetId)).toBe(true)

    const top = await gql<{ contributions: { nodes: { id: string }[] } }>(
      graphqlUrl,
      `query ($d: ID!) { contributions(where: { datanet: { eq: $d } }) { nodes { id } } }`,
      { d: datanetId },
    )
    expect(top.contributions.nodes.map((c) => c.id)).toEqual(result.contributions.map((c) => c.id))
  })

  it('committed the consumer offset with the rows and dead-lettered nothing', async () => {
    await served()
    await withClient(database.url, async (db) => {
      const offsets = await db.query('SELECT topic, next_offset FROM consumer_offset WHERE topic LIKE $1', ['%.chain.31337'])
      expect(offsets.rows).toHaveLength(1)
      // 1 DatanetCreated + 2 ContributionSubmitted, plus BlocksFinalized markers: at least 3 records applied
      expect(Number(offsets.rows[0].next_offset)).toBeGreaterThanOrEqual(3)
      const applied = await db.query(`SELECT count(*)::int AS n FROM applied_event WHERE block_number IS NOT NULL AND id NOT LIKE '%:finalized:%'`)
      expect(applied.rows[0].n).toBe(3)
      const dead = await db.query('SELECT reason, detail FROM dead_letter')
      expect(dead.rows).toEqual([])
    })
    const health = await fetch(graphqlUrl.replace('/graphql', '/healthz'))
    expect(health.status).toBe(200)
    // The queries that waited for the datanet were counted by the API's own /metrics.
    const answered = await scrapeMetric(graphqlUrl.replace('/graphql', '/metrics'), 'attrib_api_operations_total', { type: 'query', outcome: 'ok' })
    expect(answered).toBeGreaterThanOrEqual(1)
  })
})
