// Forks on a private anvil (anvil_reorg), indexed live by `attrib ingest` + `attrib project`: after each fork
// the projection must equal a fresh index of the final chain. Depths 1, 5 and 64; events that disappear,
// events that move to another block; and a fork while an indexer is still catching up.
import { spawnSync } from 'node:child_process'
import { encodeFunctionData, keccak256, toHex, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadContractArtifact, type ProtocolAddresses } from '../../src/chain/protocol.js'
import { ensureAnvil, type RunningService } from '../services/anvil.js'
import { testWallet } from '../support/chain.js'
import { withClient } from '../support/database.js'
import { freePort } from '../support/net.js'
import { startPipeline, type Pipeline } from '../support/pipeline.js'
import { eventually } from '../support/processes.js'

const services = inject('services')

describe('chain reorganisations', () => {
  let anvil: RunningService
  let chain: ReturnType<typeof testWallet>
  let protocol: ProtocolAddresses
  let startBlock: bigint
  let live: Pipeline
  const pipelines: Pipeline[] = []
  let contentCounter = 0

  const rpc = (method: string, params: unknown[] = []) => chain.client.request({ method, params } as never)
  const nextContent = () => keccak256(toHex(`content-${contentCounter++}`))

  /** A submitContribution transaction as anvil_reorg takes it (anvil signs for its dev accounts). */
  function submitTx(contentHash: Hex) {
    const { abi } = loadContractArtifact('DatanetRegistry')
    return {
      from: chain.account.address,
      to: protocol.datanets,
      data: encodeFunctionData({ abi, functionName: 'submitContribution', args: [1n, contentHash] }),
      gas: toHex(300_000), // anvil_reorg does not estimate gas
    }
  }

  async function contributionBlocks(p: Pipeline): Promise<Map<string, number>> {
    return withClient(p.database.url, async (db) => {
      const rows = await db.query('SELECT content_hash, submitted_at_block FROM contribution')
      return new Map(rows.rows.map((r) => [r.content_hash, r.submitted_at_block]))
    })
  }

  const orphanings = (p: Pipeline) =>
    withClient(p.database.url, async (db) =>
      (await db.query(`SELECT count(*)::int AS n FROM applied_event WHERE id LIKE '%:orphaned:%'`)).rows[0].n as number)

  async function chainContributions(): Promise<Map<string, number>> {
    const { abi } = loadContractArtifact('DatanetRegistry')
    const logs = await chain.client.getContractEvents({ address: protocol.datanets, abi, eventName: 'ContributionSubmitted', fromBlock: startBlock })
    return new Map(logs.map((l) => [(l as unknown as { args: { contentHash: string } }).args.contentHash, Number(l.blockNumber)]))
  }

  async function untilProjected(p: Pipeline, what: string) {
    const expected = await chainContributions()
    await eventually(
      async () => {
        const projected = await contributionBlocks(p)
        return JSON.stringify([...projected].sort()) === JSON.stringify([...expected].sort()) ? true : undefined
      },
      60_000,
      what,
    ).catch((err) => {
      throw new Error(`${err.message}\n${p.output()}`)
    })
  }

  /** A complete indexer of the private chain (blocks stay hot for 100 confirmations, so deep forks are undone). */
  async function startIndexer(): Promise<Pipeline> {
    const pipeline = await startPipeline({
      rpcEndpoint: anvil.url,
      kafkaBrokers: services.kafkaBrokers,
      adminDbUrl: services.dbUrl,
      protocol,
      startBlock,
      env: { FINALITY_CONFIRMATIONS: '100' },
    })
    pipelines.push(pipeline)
    return pipeline
  }

  beforeAll(async () => {
    anvil = await ensureAnvil({ url: `http://127.0.0.1:${await freePort()}` })
    chain = testWallet(anvil.url, 0)
    protocol = await chain.deploy()
    startBlock = await chain.client.getBlockNumber()
    await chain.createDatanet(protocol, 'ipfs://forks')
    live = await startIndexer()
  })

  afterAll(async () => {
    await Promise.all(pipelines.map((p) => p.stop()))
    await anvil?.stop()
  })

  it.each([1, 5, 64])('undoes a fork %i blocks deep: dropped events vanish, moved events carry their new block', async (depth) => {
    // `depth` blocks with one contribution each, all seen by the live indexer
    const submitted: Hex[] = []
    for (let i = 0; i < depth; i++) {
      const content = nextContent()
      submitted.push(content)
      await chain.submitContribution(protocol, 1n, content, 0n)
    }
    await untilProjected(live, `the ${depth} contributions before the fork`)
    const before = await contributionBlocks(live)
    const orphanedBefore = await orphanings(live)

    // Replace those blocks: the first contribution moves to the fork's last block, the others disappear,
    // and a new one appears in the fork's first block.
    const newcomer = nextContent()
    const [moved, ...dropped] = submitted
    await rpc('anvil_reorg', [depth, [[submitTx(newcomer), 0], [submitTx(moved), depth - 1]]])
    await rpc('evm_mine')
    await untilProjected(live, `the projection after a ${depth}-block fork`)
    expect(await orphanings(live)).toBe(orphanedBefore + 1) // undone through BlocksOrphaned, not by luck

    const after = await contributionBlocks(live)
    for (const gone of dropped) expect(after.has(gone)).toBe(false)
    expect(after.has(newcomer)).toBe(true)
    expect(after.get(moved)).toBe((await chainContributions()).get(moved))
    if (depth > 1) expect(after.get(moved)).not.toBe(before.get(moved))
  })

  it('handles a fork found while catching up after a crash, and every live projection equals a fresh index', async () => {
    // Early blocks become final; a second indexer follows the head, then dies (kill -9) with hot blocks in its
    // cursor. While it is down the chain grows and forks 50 blocks deep: 10 blocks it had published as hot and 40
    // it has not seen. Restarted, it catches up and must undo exactly what the fork orphaned.
    await rpc('anvil_mine', ['0x96'])
    for (let i = 0; i < 5; i++) await chain.submitContribution(protocol, 1n, nextContent(), 0n)
    const catchingUp = await startIndexer()
    await untilProjected(catchingUp, 'the second indexer at the head')
    await catchingUp.processes.ingest.stop('SIGKILL')

    for (let i = 0; i < 40; i++) {
      if (i % 4 === 0) await chain.submitContribution(protocol, 1n, nextContent(), 0n)
      else await rpc('evm_mine')
    }
    await rpc('anvil_reorg', [50, [[submitTx(nextContent()), 3], [submitTx(nextContent()), 45]]])
    await rpc('evm_mine')
    catchingUp.restart('ingest')
    await untilProjected(catchingUp, 'the restarted indexer after the fork')
    await untilProjected(live, 'the live indexer after the fork')
    expect(await orphanings(catchingUp)).toBe(1)

    const fresh = await startIndexer()
    await untilProjected(fresh, 'a fresh index of the final chain')
    const expected = await fresh.digest()
    expect(await live.digest()).toBe(expected)
    expect(await catchingUp.digest()).toBe(expected)

    // The live projection went through this fork and those of the tests before: a replay of its log (journal
    // order) lands on the same state. Its projector runs again afterwards, for the tests after this one.
    await live.processes.project.stop()
    const replay = spawnSync(process.execPath, ['lib/cli.js', 'replay', '--no-switch'], {
      env: { ...process.env, ...live.env, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    })
    live.restart('project')
    expect(replay.status, replay.stderr).toBe(0)
    const result = JSON.parse(replay.stdout)
    expect(result.replayDigest).toBe(expected)
    expect(result.liveDigest).toBe(expected)
  }, 300_000)
})
