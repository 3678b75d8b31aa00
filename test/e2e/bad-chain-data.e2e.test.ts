// Logs from a watched address that do not decode: `attrib ingest` must dead-letter each one (reason + the raw log)
// and keep going. A TestRawEmitter stands at the datanet registry's address and emits a DatanetCreated with
// garbage data, an unknown event, a DatanetCreated without its indexed topics, and then a well-formed
// DatanetCreated; a real AgentRegistry follows. The metrics endpoint must count all of it as it happens.
import { readFileSync } from 'node:fs'
import { encodeAbiParameters, encodeEventTopics, keccak256, pad, toHex, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import * as datanetRegistry from '../../src/abi/DatanetRegistry.abi.js'
import * as rawEmitter from '../../src/abi/TestRawEmitter.abi.js'
import { loadContractArtifact, type ProtocolAddresses } from '../../src/chain/protocol.js'
import { INGEST_LOCK_CLASS } from '../../src/ingest/chain/log-sink-database.js'
import { repoRoot } from '../../src/repo-root.js'
import { testWallet } from '../support/chain.js'
import { withClient } from '../support/database.js'
import { freePort } from '../support/net.js'
import { startPipeline, type Pipeline } from '../support/pipeline.js'
import { eventually } from '../support/processes.js'
import { scrapeMetric } from '../support/prometheus.js'

const services = inject('services')
const wallet = testWallet(services.rpcEndpoint, 9)

interface EmittedLog {
  topics: Hex[]
  data: Hex
  txHash: Hex
}

interface StoredDeadLetter {
  stage: string
  reason: string
  detail: string
  raw: { block: { height: number; hash: string }; log: { address: string; topics: string[]; data: string; transactionHash: string } }
}

describe('undecodable logs from a watched address', () => {
  let pipeline: Pipeline
  let protocol: ProtocolAddresses
  let emitter: Hex
  let metricsUrl: string
  const owner = wallet.account.address.toLowerCase() as Hex
  const datanetCreated = datanetRegistry.events.DatanetCreated.topic as Hex

  async function emitRaw(topics: Hex[], data: Hex): Promise<EmittedLog> {
    const hash = await wallet.wallet.sendTransaction({
      to: emitter,
      data: rawEmitter.functions.emitRaw.encode({ topics, data }) as Hex,
      account: wallet.account,
      chain: wallet.wallet.chain,
    })
    const receipt = await wallet.client.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    return { topics, data, txHash: receipt.transactionHash }
  }

  const deadLetters = () =>
    withClient(pipeline.database.url, async (db) => {
      const { rows } = await db.query(`SELECT stage, reason, detail, raw FROM dead_letter WHERE stage = 'chain-ingest' ORDER BY "offset"`)
      return rows.map((r) => ({ ...r, raw: JSON.parse(r.raw.toString('utf8')) })) as StoredDeadLetter[]
    })

  const metric = (name: string, labels?: Record<string, string>) => scrapeMetric(metricsUrl, name, labels)

  beforeAll(async () => {
    protocol = await wallet.deploy()
    const { abi, bytecode } = JSON.parse(readFileSync(`${repoRoot}/contracts/out/TestRawEmitter.json`, 'utf8'))
    const hash = await wallet.wallet.deployContract({ abi, bytecode, account: wallet.account, chain: wallet.wallet.chain })
    emitter = (await wallet.client.waitForTransactionReceipt({ hash })).contractAddress!
    const port = await freePort()
    metricsUrl = `http://127.0.0.1:${port}/metrics`
    pipeline = await startPipeline({
      rpcEndpoint: services.rpcEndpoint,
      kafkaBrokers: services.kafkaBrokers,
      adminDbUrl: services.dbUrl,
      protocol: { ...protocol, datanets: emitter },
      startBlock: await wallet.client.getBlockNumber(),
      env: { METRICS_PORT: String(port), FINALITY_CONFIRMATIONS: '2' },
    })
  })

  afterAll(async () => {
    await pipeline?.stop()
  })

  it('dead-letters each one with its reason and raw form, keeps ingesting, and counts it all in its metrics', async () => {
    const atStart = await eventually(() => metric('attrib_ingest_last_processed_block'), 30_000, 'the ingester metrics').catch(
      (err) => { throw new Error(`${err.message}\n${pipeline.output()}`) },
    )

    const datanetId = pad(toHex(1n))
    const garbage = await emitRaw([datanetCreated, datanetId, pad(owner)], '0xdeadbeef')
    const unknown = await emitRaw([keccak256(toHex('NotAProtocolEvent(uint256)')), datanetId], encodeAbiParameters([{ type: 'uint256' }], [7n]))
    const tooFewTopics = await emitRaw([datanetCreated], encodeAbiParameters([{ type: 'string' }], ['ipfs://no-indexed-topics']))
    const wellFormed = await emitRaw(
      encodeEventTopics({ abi: loadContractArtifact('DatanetRegistry').abi, eventName: 'DatanetCreated', args: { datanetId: 1n, owner } }) as Hex[],
      encodeAbiParameters([{ type: 'string' }], ['ipfs://after-the-garbage']),
    )
    const agentReceipt = await wallet.write('agents', protocol.agents, 'registerAgent', ['ipfs://agent-after-the-garbage'])

    const projected = () =>
      withClient(pipeline.database.url, async (db) => {
        const datanets = (await db.query('SELECT id, metadata_uri FROM datanet')).rows
        const agents = (await db.query('SELECT metadata_uri FROM agent')).rows
        return datanets.length === 1 && agents.length === 1 ? { datanets, agents } : undefined
      })
    const { datanets, agents } = await eventually(projected, 60_000, 'the good events after the bad ones').catch((err) => {
      throw new Error(`${err.message}\n${pipeline.output()}`)
    })
    expect(datanets).toEqual([{ id: '1', metadata_uri: 'ipfs://after-the-garbage' }])
    expect(agents).toEqual([{ metadata_uri: 'ipfs://agent-after-the-garbage' }])

    const letters = await eventually(async () => ((await deadLetters()).length >= 3 ? deadLetters() : undefined), 30_000, 'three dead letters')
    expect(letters.map((l) => l.reason)).toEqual(['undecodable-log', 'unknown-event', 'undecodable-log'])
    for (const [letter, sent] of letters.map((l, i) => [l, [garbage, unknown, tooFewTopics][i]] as const)) {
      expect(letter.raw.log).toMatchObject({ address: emitter.toLowerCase(), topics: sent.topics, data: sent.data, transactionHash: sent.txHash })
      const receipt = await wallet.client.getTransactionReceipt({ hash: sent.txHash })
      expect(letter.raw.block).toMatchObject({ height: Number(receipt.blockNumber), hash: receipt.blockHash })
    }
    expect(letters[0].detail).toMatch(/^DatanetCreated: /)
    expect(letters[1].detail).toContain('unknown topic')
    expect(pipeline.processes.ingest.child.exitCode).toBeNull()

    // The metrics moved with the blocks: the last block processed is the agent's, and each outcome was counted.
    await eventually(
      async () => ((await metric('attrib_ingest_last_processed_block'))! >= Number(agentReceipt.blockNumber) ? true : undefined),
      15_000,
      'the last processed block metric to reach the last transaction',
    )
    expect(Number(agentReceipt.blockNumber)).toBeGreaterThan(atStart)
    expect(await metric('attrib_ingest_dead_letters_total', { reason: 'undecodable-log' })).toBe(2)
    expect(await metric('attrib_ingest_dead_letters_total', { reason: 'unknown-event' })).toBe(1)
    expect(await metric('attrib_ingest_events_published_total', { type: 'DatanetCreated' })).toBe(1)
    expect(await metric('attrib_ingest_events_published_total', { type: 'AgentRegistered' })).toBe(1)
    expect(await metric('attrib_ingest_chain_head')).toBeGreaterThanOrEqual(atStart)
  })

  it('stops cleanly on SIGTERM: exit code 0, and the ingest lock released for the next ingester', async () => {
    const ingest = pipeline.processes.ingest
    const ingestLocks = () => withClient(services.dbUrl, async (db) =>
      (await db.query(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
         WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = $2 AND l.objid = 31337 AND d.datname = $1`,
        [new URL(pipeline.database.url).pathname.slice(1), INGEST_LOCK_CLASS],
      )).rows[0].n as number)
    // Taken once the ingester is up (this test may run first, right after the pipeline started).
    await eventually(async () => ((await ingestLocks()) === 1 ? true : undefined), 30_000, 'the ingester to hold its lock')
    const exited = new Promise<number | null>((resolve) => ingest.child.once('exit', (code) => resolve(code)))
    await ingest.stop('SIGTERM')
    expect(await exited).toBe(0)
    expect(ingest.output()).toContain('chain ingester stopped')
    expect(await ingestLocks()).toBe(0)
    // The next ingester takes the lock (and runs for the tests after this one).
    pipeline.restart('ingest')
    await eventually(async () => ((await ingestLocks()) === 1 ? true : undefined), 30_000, 'the next ingester to hold the lock')
  }, 60_000)
})
