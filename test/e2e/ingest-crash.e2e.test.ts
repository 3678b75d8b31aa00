// Crash safety with real processes: protocol activity runs on the chain while `attrib ingest` is killed with
// SIGKILL at random moments, six times (four while it catches up on a long, rate-limited history, two while it
// follows the head), and `attrib project` twice, each restarted at once as a supervisor would. The
// projection must end up exactly equal to a clean, uninterrupted index of the same blocks: no event lost, none
// applied twice.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { openDatabase } from '../../src/db/data-source.js'
import { startWorkload, type Workload } from '../../src/dev/workload.js'
import { createLogger } from '../../src/logger.js'
import { projectionDigest } from '../../src/project/digest.js'
import { testWallet } from '../support/chain.js'
import { withClient } from '../support/database.js'
import { startPipeline, type Pipeline, type PipelineOptions } from '../support/pipeline.js'
import { eventually } from '../support/processes.js'
import { seededSchedule } from '../support/seeded-schedule.js'
import type { Rng } from '../../src/dev/rng.js'

const services = inject('services')
const chain = testWallet(services.rpcEndpoint, 8)
const rpc = (method: string, params: unknown[] = []) => chain.client.request({ method, params } as never)

/** Empty blocks mined among the workload's transactions (anvil mines about 80 a second). */
const HISTORY_BLOCKS = 800
const INGEST_KILLS_CATCHING_UP = 4
const INGEST_KILLS_FOLLOWING = 2
const PROJECT_KILLS = 2
/** Requests per second: the catch-up (about one request per block) outlasts the kills made during it. */
const RPC_RATE_LIMIT = '60'

interface Kill {
  process: 'ingest' | 'project'
  /** The ingest cursor's highest block and the chain head when the kill landed. */
  cursor: number
  head: number
}

describe('the ingester and projector killed at random moments', () => {
  let protocol: ProtocolAddresses
  let startBlock: bigint
  let workload: Workload | undefined
  const pipelines: Pipeline[] = []
  const kills: Kill[] = []

  const pipelineOptions = (): PipelineOptions => ({
    rpcEndpoint: services.rpcEndpoint,
    kafkaBrokers: services.kafkaBrokers,
    adminDbUrl: services.dbUrl,
    protocol,
    startBlock,
  })

  function runWorkload(seed: number) {
    return startWorkload({
      rpcEndpoint: services.rpcEndpoint,
      chainId: 31337,
      protocol,
      seed,
      accounts: [chain.account],
      intervalMs: 150,
      actionsPerTick: 1,
      logger: createLogger('warn', 'workload'),
      submitUsage: async () => {},
    })
  }

  async function cursorHeight(p: Pipeline): Promise<number> {
    return withClient(p.database.url, async (db) => {
      const { rows } = await db.query('SELECT height, top FROM ingest_cursor').catch(() => ({ rows: [] }))
      if (rows.length === 0) return -1
      const top = rows[0].top as { height: number }[]
      return top.length > 0 ? top[top.length - 1].height : rows[0].height
    })
  }

  async function killAndRestart(p: Pipeline, name: Kill['process']) {
    kills.push({ process: name, cursor: await cursorHeight(p), head: Number(await chain.client.getBlockNumber()) })
    await p.processes[name].stop('SIGKILL')
    p.restart(name)
  }

  /** The kill schedule's generator, seeded (and its seed printed) by the test. */
  let schedule: Rng
  const randomPause = (minMs: number, maxMs: number) => new Promise((resolve) => setTimeout(resolve, schedule.int(minMs, maxMs)))

  /** Every log of this deployment on chain, counted: the projection has them all when its applied ids match. */
  async function protocolLogCount(): Promise<number> {
    const logs = await chain.client.getLogs({ address: Object.values(protocol), fromBlock: startBlock })
    return logs.length
  }

  async function untilAllProjected(p: Pipeline, expected: number, what: string) {
    await eventually(
      () =>
        withClient(p.database.url, async (db) => {
          const { rows } = await db.query('SELECT count(*)::int AS n FROM applied_event WHERE block_hash IS NOT NULL')
          return rows[0].n === expected ? true : undefined
        }),
      60_000,
      what,
    ).catch((err) => {
      throw new Error(`${err.message}\n${p.output()}`)
    })
  }

  async function projectionOf(p: Pipeline) {
    const db = await openDatabase(p.database.url, { poolSize: 1 })
    try {
      const { digest, tables } = await projectionDigest(db)
      const [{ n: deadLetters }] = await db.query('SELECT count(*)::int AS n FROM dead_letter')
      return { digest, rows: Object.fromEntries(Object.entries(tables).map(([t, { rows }]) => [t, rows])), deadLetters }
    } finally {
      await db.destroy()
    }
  }

  beforeAll(async () => {
    protocol = await chain.deploy()
    startBlock = await chain.client.getBlockNumber()
    // History: protocol activity spread over hundreds of blocks, for the ingester to catch up on.
    workload = runWorkload(11)
    for (let mined = 0; mined < HISTORY_BLOCKS; mined += 50) await rpc('anvil_mine', ['0x32'])
  })

  afterAll(async () => {
    await workload?.stop()
    await Promise.all(pipelines.map((p) => p.stop()))
  })

  it('ends with the same projection as a clean run over the same blocks', async () => {
    schedule = seededSchedule('ingester and projector kills')
    const crashed = await startPipeline({ ...pipelineOptions(), env: { RPC_RATE_LIMIT } })
    pipelines.push(crashed)
    await eventually(() => cursorHeight(crashed).then((h) => (h >= 0 ? true : undefined)), 30_000, 'the first batch')
    // The projector dies early and twice in a row: a killed Kafka consumer stays in its group until its session
    // times out (30 s), stalling its successor, so both stalls overlap the ingester's catch-up.
    for (let i = 0; i < PROJECT_KILLS; i++) {
      await randomPause(300, 1_000)
      await killAndRestart(crashed, 'project')
    }

    // Catching up on the history (the workload keeps adding to it)
    for (let i = 0; i < INGEST_KILLS_CATCHING_UP; i++) {
      await randomPause(2_000, 3_500)
      await killAndRestart(crashed, 'ingest')
    }
    // Following the head
    await eventually(async () => ((await cursorHeight(crashed)) >= Number(startBlock) + HISTORY_BLOCKS ? true : undefined), 60_000, 'the ingester at the head')
      .catch(async (err) => {
        throw new Error(`${err.message} (cursor ${await cursorHeight(crashed)}, kills ${JSON.stringify(kills)})\n${crashed.output()}`)
      })
    for (let i = 0; i < INGEST_KILLS_FOLLOWING; i++) {
      await rpc('anvil_mine', ['0x14'])
      await randomPause(500, 1_500)
      await killAndRestart(crashed, 'ingest')
    }
    await workload!.stop()
    const stats = workload!.stats()
    workload = undefined
    expect(stats.failed).toBe(0)

    const onChain = await protocolLogCount()
    expect(onChain).toBeGreaterThanOrEqual(30)
    await untilAllProjected(crashed, onChain, 'the crashed pipeline to project every protocol log')

    const clean = await startPipeline(pipelineOptions())
    pipelines.push(clean)
    await untilAllProjected(clean, onChain, 'the clean pipeline to project every protocol log')

    const [afterCrashes, reference] = await Promise.all([projectionOf(crashed), projectionOf(clean)])
    expect(afterCrashes.rows).toEqual(reference.rows)
    expect(afterCrashes.deadLetters).toBe(reference.deadLetters)
    expect(afterCrashes.digest).toBe(reference.digest)
    expect(reference.rows.contribution).toBeGreaterThan(0)

    // The kills landed while there was work to do, not at idle moments
    const ingestKills = kills.filter((k) => k.process === 'ingest')
    expect(ingestKills.length).toBe(INGEST_KILLS_CATCHING_UP + INGEST_KILLS_FOLLOWING)
    expect(kills.filter((k) => k.process === 'project').length).toBe(PROJECT_KILLS)
    const midCatchUp = ingestKills.filter((k) => k.head - k.cursor > 100)
    expect(midCatchUp.length, JSON.stringify(kills)).toBeGreaterThanOrEqual(INGEST_KILLS_CATCHING_UP - 1)
  }, 150_000)
})
