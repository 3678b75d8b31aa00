// The money end to end: a generated workload (datanets, reviews, models and adapters, stakes, hundreds of settled
// inferences with signed usage records) on a private anvil, through `attrib ingest`, `attrib ingest-usage` and
// `attrib project` on real Kafka and PostgreSQL, with projector crashes (kill -9) along the way and forks at the
// end that orphan the last settlements (deeper forks: reorg.e2e.test.ts).
// Then: every epoch closed and reconciled to the wei, every split sums to its fee, every Merkle root and proof
// verifies with @openzeppelin/merkle-tree, and `attrib replay` reproduces the live digest.
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { spawnSync } from 'node:child_process'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { startDevWorkload, type Workload } from '../../src/dev/workload.js'
import { postUsageRecords } from '../../src/ingest/usage/producer.js'
import { ensureAnvil, type RunningService } from '../services/anvil.js'
import { testWallet } from '../support/chain.js'
import { withClient } from '../support/database.js'
import { once } from '../support/once.js'
import { seededSchedule } from '../support/seeded-schedule.js'
import { freePort } from '../support/net.js'
import { startPipeline, type Pipeline } from '../support/pipeline.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
// Epochs long enough that a usage record posted right after its settlement reaches the projector before the
// epoch closes, even with the projector being killed (in production an epoch is a day, the lag seconds).
const EPOCH_BLOCKS = 300
const TARGET_INFERENCES = 200

describe('attribution, epochs and payouts end to end', () => {
  let anvil: RunningService
  let protocol: ProtocolAddresses
  let chain: ReturnType<typeof testWallet>
  let pipeline: Pipeline
  let workload: Workload | undefined
  let startBlock: bigint

  const query = <T>(sql: string, params: unknown[] = []) =>
    withClient(pipeline.database.url, async (db) => (await db.query(sql, params)).rows as T[])
  /** The newest block the ingester has published: the top of its hot blocks, else its last final block. */
  const ingestedHeight = async () => {
    const rows = await query<{ height: number; top: { height: number }[] }>('SELECT height, top FROM ingest_cursor').catch(() => [])
    if (rows.length === 0) return -1
    const top = rows[0]!.top
    return top.length > 0 ? top[top.length - 1]!.height : rows[0]!.height
  }

  beforeAll(async () => {
    anvil = await ensureAnvil({ url: `http://127.0.0.1:${await freePort()}` })
    chain = testWallet(anvil.url, 0)
    protocol = await chain.deploy()
    startBlock = await chain.client.getBlockNumber()
    const usagePort = await freePort()
    pipeline = await startPipeline({
      rpcEndpoint: anvil.url,
      kafkaBrokers: services.kafkaBrokers,
      adminDbUrl: services.dbUrl,
      protocol,
      startBlock,
      commands: ['ingest', 'ingest-usage', 'project'],
      env: { FINALITY_CONFIRMATIONS: '3', EPOCH_BLOCKS: String(EPOCH_BLOCKS), USAGE_PORT: String(usagePort), USAGE_PENDING_RECHECK_MS: '500' },
    })
    const usageUrl = `http://127.0.0.1:${usagePort}/usage`
    await eventually(async () => ((await fetch(usageUrl.replace('/usage', '/healthz'))).ok ? true : undefined), 60_000, 'the usage ingester')
    workload = await startDevWorkload({
      rpcEndpoint: anvil.url,
      chainId: 31337,
      protocol,
      seed: 42,
      intervalMs: 20,
      receiptTimeoutMs: 5_000,
      actionsPerTick: 4,
      submitUsage: async (records) => {
        await postUsageRecords(usageUrl, records)
      },
      logger: pino({ level: 'silent' }),
    })
  }, 180_000)

  afterAll(async () => {
    await workload?.stop()
    await pipeline?.stop()
    await anvil?.stop()
  })

  /**
   * The scenario every test of this file asserts on, run once by whichever test comes first: hundreds of
   * settlements through projector kills, three forks of published blocks, then every epoch buried and closed.
   */
  const scenario = once(async () => {
    const rpc = (method: string, params: unknown[] = []) =>
      fetch(anvil.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    const schedule = seededSchedule('projector kills')
    let kills = 0
    while (workload!.stats().succeeded.settleInference < TARGET_INFERENCES) {
      await new Promise((r) => setTimeout(r, schedule.int(1000, 3000)))
      if (kills < 12) {
        await pipeline.processes.project.stop('SIGKILL')
        pipeline.restart('project')
        kills++
      }
    }
    await workload!.stop()
    // Forks of the newest blocks, each once the ingester has seen them, the projector killed around them: the
    // settlements they held vanish, with their joins and payouts.
    for (let fork = 0; fork < 3; fork++) {
      await rpc('anvil_mine', ['0x1'])
      const head = Number(((await (await rpc('eth_blockNumber')).json()) as { result: string }).result)
      // Only a fork of blocks the ingester has already published exercises the undo path.
      await eventually(async () => ((await ingestedHeight()) >= head ? true : undefined), 60_000, `the ingester at block ${head}`)
      await pipeline.processes.project.stop('SIGKILL')
      await rpc('anvil_reorg', [2, []])
      pipeline.restart('project')
      kills++
    }
    // Bury every epoch under final blocks, so all of them close.
    await rpc('anvil_mine', [`0x${(EPOCH_BLOCKS * 2).toString(16)}`])
    const head = Number(BigInt((await (await rpc('eth_blockNumber')).json()).result))
    const lastEpochWithBlocks = Math.floor((head - EPOCH_BLOCKS - 4) / EPOCH_BLOCKS)
    await eventually(
      async () => {
        const [open] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM epoch WHERE status = 'OPEN' AND number <= $1`, [lastEpochWithBlocks])
        const [closed] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM epoch WHERE status = 'CLOSED'`)
        return open.n === 0 && closed.n > 2 ? true : undefined
      },
      120_000,
      'every epoch closed',
    ).catch((err) => {
      throw new Error(`${err.message}\n${pipeline.output()}`)
    })
    return { kills }
  })

  it('settles hundreds of inferences through projector crashes, and closes every epoch exactly', async () => {
    const { kills } = await scenario()
    expect(kills).toBeGreaterThanOrEqual(10)

    // Exactly the settlements of the canonical chain: the orphaned ones are undone.
    const canonical = await chain.client.getLogs({ address: protocol.settlement, fromBlock: startBlock })
    const [{ settled }] = await query<{ settled: number }>('SELECT count(*)::int AS settled FROM inference')
    expect(settled).toBe(canonical.length)
    expect(settled).toBeGreaterThanOrEqual(TARGET_INFERENCES - 3)

    // Every settlement splits exactly: platform fee + model + stakers + data = fee; edges sum to the data part.
    const badSplits = await query(
      `SELECT i.id FROM inference i
       LEFT JOIN (SELECT inference_id, sum(amount) AS paid FROM attribution_edge GROUP BY inference_id) e ON e.inference_id = i.id
       WHERE i.platform_fee + i.model_part + i.stakers_part + i.data_part <> i.fee
          OR (i.mode IN ('USAGE', 'FALLBACK') AND coalesce(e.paid, 0) <> i.data_part)
          OR (i.mode = 'OWNER' AND e.paid IS NOT NULL)
          OR i.mode = 'AWAITING_USAGE'`,
    )
    expect(badSplits).toEqual([])
    const modes = await query<{ mode: string; n: number }>('SELECT mode, count(*)::int AS n FROM inference GROUP BY mode')
    expect(modes.find((m) => m.mode === 'USAGE')?.n ?? 0).toBeGreaterThan(settled / 2) // most joined their usage record

    // Every closed epoch reconciles: payouts + rolled over = net fees + rolled in, and its root and proofs verify.
    const epochs = await query<{ number: number; root: string | null; netFees: string; rolledIn: string; rolledOver: string; payoutTotal: string }>(
      `SELECT number, root, net_fees::text AS "netFees", rolled_in::text AS "rolledIn", rolled_over::text AS "rolledOver",
              payout_total::text AS "payoutTotal" FROM epoch WHERE status = 'CLOSED' ORDER BY number`,
    )
    let netFeesAll = 0n
    for (const epoch of epochs) {
      const payouts = await query<{ account: string; amount: string; proof: string[] }>(
        'SELECT account_id AS account, amount::text AS amount, proof FROM epoch_payout WHERE epoch_id = $1 ORDER BY account_id',
        [String(epoch.number)],
      )
      const paid = payouts.reduce((sum, p) => sum + BigInt(p.amount), 0n)
      expect(paid).toBe(BigInt(epoch.payoutTotal))
      expect(paid + BigInt(epoch.rolledOver)).toBe(BigInt(epoch.netFees) + BigInt(epoch.rolledIn))
      netFeesAll += BigInt(epoch.netFees)
      if (payouts.length === 0) {
        expect(epoch.root).toBeNull()
        continue
      }
      const tree = StandardMerkleTree.of(payouts.map((p) => [p.account, p.amount]), ['address', 'uint256'])
      expect(tree.root).toBe(epoch.root)
      for (const p of payouts) {
        expect(StandardMerkleTree.verify(epoch.root!, ['address', 'uint256'], [p.account, p.amount], p.proof)).toBe(true)
      }
    }
    const [{ net }] = await query<{ net: string }>('SELECT coalesce(sum(net), 0)::text AS net FROM inference WHERE epoch <= $1', [epochs.at(-1)!.number])
    expect(netFeesAll).toBe(BigInt(net))
  }, 400_000)

  it('publishes a computed root on chain, where a claim with its proof succeeds, and flags a wrong root', async () => {
    await scenario()
    const [paid] = await query<{ epoch: number; root: string; total: string }>(
      `SELECT number AS epoch, root, payout_total::text AS total FROM epoch WHERE status = 'CLOSED' AND root IS NOT NULL ORDER BY number LIMIT 1`,
    )
    const [other] = await query<{ epoch: number; total: string }>(
      `SELECT number AS epoch, payout_total::text AS total FROM epoch WHERE status = 'CLOSED' AND number <> $1 ORDER BY number LIMIT 1`,
      [paid.epoch],
    )
    const [leaf] = await query<{ account: string; amount: string; proof: string[] }>(
      'SELECT account_id AS account, amount::text AS amount, proof FROM epoch_payout WHERE epoch_id = $1 ORDER BY amount DESC LIMIT 1',
      [String(paid.epoch)],
    )
    await chain.write('rewards', protocol.rewards, 'publishRoot', [BigInt(paid.epoch), paid.root, BigInt(paid.total)])
    // The contract verifies the proof against the published root: the projection's proof is a real one.
    await chain.write('rewards', protocol.rewards, 'claim', [BigInt(paid.epoch), leaf.account, BigInt(leaf.amount), leaf.proof])
    await chain.write('rewards', protocol.rewards, 'publishRoot', [BigInt(other.epoch), '0x' + 'ab'.repeat(32), BigInt(other.total)])
    await eventually(
      async () => {
        const epochs = await query<{ number: number; rootMatches: boolean | null }>(
          'SELECT number, root_matches AS "rootMatches" FROM epoch WHERE number = ANY($1)',
          [[paid.epoch, other.epoch]],
        )
        const claimed = await query<{ claimedAmount: string | null }>(
          'SELECT claimed_amount::text AS "claimedAmount" FROM epoch_payout WHERE id = $1',
          [`${paid.epoch}-${leaf.account}`],
        )
        const byNumber = new Map(epochs.map((e) => [e.number, e.rootMatches]))
        return byNumber.get(paid.epoch) === true && byNumber.get(other.epoch) === false && claimed[0]?.claimedAmount === leaf.amount
          ? true
          : undefined
      },
      60_000,
      'the published roots compared and the claim recorded',
    ).catch((err) => {
      throw new Error(`${err.message}\n${pipeline.output()}`)
    })
  }, 400_000)

  it('replays the log into a fresh schema with the same digest as the live projection', async () => {
    await scenario()
    await pipeline.processes.project.stop()
    const replay = spawnSync(process.execPath, ['lib/cli.js', 'replay'], { env: { ...process.env, ...pipeline.env, LOG_LEVEL: 'warn' }, encoding: 'utf8' })
    expect(replay.status, replay.stderr).toBe(0)
    const result = JSON.parse(replay.stdout)
    expect(result.batches).toBeGreaterThan(0)
    expect(result.replayDigest).toBe(result.liveDigest)
    expect(result.switched).toBe(true)
    // After the switch, `public` is the rebuilt projection: its digest is the same, and the projector carries on.
    expect(await pipeline.digest()).toBe(result.liveDigest)
    pipeline.restart('project') // the other tests may run after this one
  }, 400_000)
})
