// The dev workload generator on the real anvil: it deploys nothing itself, so the test deploys the protocol,
// runs the generator for 60 steps from its own accounts, and then checks on chain (the logs of this deployment
// only: anvil is shared with other test files) that the activity happened and that every usage record handed
// over is signed by a registered node, joins a settlement and attributes existing, accepted contributions.
import { recoverTypedDataAddress, type Hex, type Log } from 'viem'
import type { HDAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import * as agentRegistry from '../../src/abi/AgentRegistry.abi.js'
import * as datanetRegistry from '../../src/abi/DatanetRegistry.abi.js'
import * as nodeRegistry from '../../src/abi/InferenceNodeRegistry.abi.js'
import * as settlement from '../../src/abi/InferenceSettlement.abi.js'
import * as modelRegistry from '../../src/abi/ModelRegistry.abi.js'
import * as staking from '../../src/abi/TestStaking.abi.js'
import type { ProtocolAddresses } from '../../src/chain/protocol.js'
import { fundOnAnvil, mnemonicAccounts } from '../../src/dev/accounts.js'
import type { WorkloadActionType } from '../../src/dev/workload-state.js'
import { startWorkload, type Workload, type WorkloadStats } from '../../src/dev/workload.js'
import { usageRecordSchema, usageTypedData, type UsageRecord } from '../../src/domain/usage-record.js'
import { createLogger } from '../../src/logger.js'
import { testWallet } from '../support/chain.js'

const services = inject('services')
const deployer = testWallet(services.rpcEndpoint, 7)
const client = deployer.client
const CHAIN_ID = 31337
/** The unit test checks that this seed's first 60 steps contain every kind of activity asserted here. */
const SEED = 3
const STEPS = 60
// Accounts far from the ones other test files take (0-9), so nobody races their nonces.
const actors = mnemonicAccounts(70, 6)

interface HandedOver {
  record: UsageRecord
  settledWhenHandedOver: boolean
}

describe('the workload generator on anvil', () => {
  let protocol: ProtocolAddresses
  let workload: Workload | undefined
  let stats: WorkloadStats
  let logs: Log[]
  const handedOver: HandedOver[] = []

  const isSettled = async (inferenceId: Hex) => {
    const result = await client.call({ to: protocol.settlement, data: settlement.functions.settled.encode({ _0: inferenceId }) as Hex })
    return settlement.functions.settled.decodeResult(result.data ?? '0x')
  }

  beforeAll(async () => {
    const fromBlock = await client.getBlockNumber()
    protocol = await deployer.deploy()
    await fundOnAnvil(
      services.rpcEndpoint,
      actors.map((a) => a.address),
      10n ** 24n,
    )
    workload = startWorkload({
      rpcEndpoint: services.rpcEndpoint,
      chainId: CHAIN_ID,
      protocol,
      seed: SEED,
      accounts: actors,
      intervalMs: 10,
      logger: createLogger('warn', 'workload-test'),
      submitUsage: async (records) => {
        for (const record of records) handedOver.push({ record, settledWhenHandedOver: await isSettled(record.inferenceId as Hex) })
      },
    })
    const deadline = Date.now() + 90_000
    while (workload.stats().steps < STEPS) {
      if (Date.now() > deadline) throw new Error(`only ${workload.stats().steps} steps after 90 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await workload.stop()
    stats = workload.stats()
    logs = await client.getLogs({ address: Object.values(protocol), fromBlock })
  })

  afterAll(async () => {
    await workload?.stop()
  })

  /** The decoded logs of one event of this deployment, in chain order. */
  function eventsOf<T>(address: string, event: { topic: string; decode(log: { topics: string[]; data: string }): T }) {
    return logs
      .filter((log) => log.address === address.toLowerCase() && log.topics[0] === event.topic)
      .map((log) => ({ ...event.decode({ topics: log.topics as string[], data: log.data }), at: [log.blockNumber!, log.logIndex!] as const }))
  }

  it('sent every planned action successfully, and the chain holds exactly what it reports', () => {
    expect(stats.steps).toBeGreaterThanOrEqual(STEPS)
    expect(stats.failed).toBe(0)
    const succeeded = Object.values(stats.succeeded).reduce((sum, n) => sum + n, 0)
    expect(succeeded).toBe(stats.steps)

    const count = (address: string, event: Parameters<typeof eventsOf>[1]) => eventsOf(address, event).length
    expect(count(protocol.datanets, datanetRegistry.events.DatanetCreated)).toBe(stats.succeeded.createDatanet)
    expect(count(protocol.datanets, datanetRegistry.events.ContributionSubmitted)).toBe(stats.succeeded.submitContribution)
    expect(count(protocol.datanets, datanetRegistry.events.ContributionReviewed)).toBe(stats.succeeded.reviewContribution)
    expect(count(protocol.models, modelRegistry.events.FeeSplitSet)).toBe(stats.succeeded.setFeeSplit)
    expect(count(protocol.agents, agentRegistry.events.AgentRegistered)).toBe(stats.succeeded.registerAgent)
    expect(count(protocol.nodes, nodeRegistry.events.InferenceNodeRegistered)).toBe(stats.succeeded.registerNode)
    expect(count(protocol.settlement, settlement.events.InferenceSettled)).toBe(stats.succeeded.settleInference)
    expect(count(protocol.staking, staking.events.Staked)).toBe(stats.succeeded.stake)
  })

  it('produced datanets, contributions with accepted and rejected reviews, agents, nodes, stakes and settlements', () => {
    expect(eventsOf(protocol.datanets, datanetRegistry.events.DatanetCreated).length).toBeGreaterThanOrEqual(2)
    expect(eventsOf(protocol.datanets, datanetRegistry.events.ContributionSubmitted).length).toBeGreaterThanOrEqual(4)
    const reviews = eventsOf(protocol.datanets, datanetRegistry.events.ContributionReviewed)
    expect(reviews.some((r) => r.accepted)).toBe(true)
    expect(reviews.some((r) => !r.accepted)).toBe(true)
    expect(eventsOf(protocol.agents, agentRegistry.events.AgentRegistered).length).toBeGreaterThanOrEqual(1)
    expect(eventsOf(protocol.nodes, nodeRegistry.events.InferenceNodeRegistered).length).toBeGreaterThanOrEqual(1)
    expect(eventsOf(protocol.staking, staking.events.Staked).length).toBeGreaterThanOrEqual(1)
    const settlements = eventsOf(protocol.settlement, settlement.events.InferenceSettled)
    expect(settlements.length).toBeGreaterThanOrEqual(10)
    for (const s of settlements) {
      expect(s.fee).toBeGreaterThan(0n)
      expect(s.platformFee).toBeLessThanOrEqual(s.fee)
    }
  })

  it('registered base models and adapters of base models, with fee splits summing to 10000', () => {
    const models = eventsOf(protocol.models, modelRegistry.events.ModelRegistered)
    const bases = new Set(models.filter((m) => m.baseModelId === 0n).map((m) => m.modelId))
    const adapters = models.filter((m) => m.baseModelId !== 0n)
    expect(bases.size).toBeGreaterThanOrEqual(1)
    expect(adapters.length).toBeGreaterThanOrEqual(1)
    for (const adapter of adapters) expect(bases.has(adapter.baseModelId)).toBe(true)
    const splits = eventsOf(protocol.models, modelRegistry.events.FeeSplitSet)
    expect(splits.length).toBeGreaterThanOrEqual(1)
    for (const split of splits) expect(split.modelBps + split.stakersBps + split.dataBps).toBe(10_000)
  })

  it('handed over one valid usage record per settlement, signed by a node registered and active at settlement', async () => {
    const settlements = eventsOf(protocol.settlement, settlement.events.InferenceSettled)
    expect(handedOver).toHaveLength(settlements.length)
    expect(stats.usageRecordsSubmitted).toBe(settlements.length)
    const registered = new Set(eventsOf(protocol.nodes, nodeRegistry.events.InferenceNodeRegistered).map((n) => n.node))
    const revokedAt = new Map(eventsOf(protocol.nodes, nodeRegistry.events.InferenceNodeRevoked).map((n) => [n.node, n.at]))

    for (const { record } of handedOver) {
      expect(usageRecordSchema.parse(record)).toEqual(record)
      const signer = await recoverTypedDataAddress({
        ...usageTypedData(CHAIN_ID, protocol.nodes, record),
        signature: record.signature as Hex,
      })
      expect(signer).toBe(record.node)
      expect(registered.has(signer.toLowerCase())).toBe(true)

      const settled = settlements.find((s) => s.inferenceId === record.inferenceId.toLowerCase())
      expect(settled, record.inferenceId).toBeDefined()
      expect(settled!.modelId.toString()).toBe(record.modelId)
      expect(settled!.agentId.toString()).toBe(record.agentId)
      const revoked = revokedAt.get(signer.toLowerCase())
      if (revoked) expect(isBefore(settled!.at, revoked)).toBe(true)
    }
  })

  it('attributes only contributions that were submitted and accepted, and some records are not empty', () => {
    const submitted = new Set(eventsOf(protocol.datanets, datanetRegistry.events.ContributionSubmitted).map((c) => c.contributionId))
    const accepted = new Set(
      eventsOf(protocol.datanets, datanetRegistry.events.ContributionReviewed)
        .filter((r) => r.accepted)
        .map((r) => r.contributionId),
    )
    const attributed = handedOver.flatMap(({ record }) => record.attributions.map((a) => BigInt(a.contributionId)))
    expect(attributed.length).toBeGreaterThan(0)
    for (const id of attributed) {
      expect(submitted.has(id)).toBe(true)
      expect(accepted.has(id)).toBe(true)
    }
  })

  it('handed some records over before their settlement was mined and the rest after', () => {
    const early = handedOver.filter((h) => !h.settledWhenHandedOver)
    expect(early.length).toBeGreaterThanOrEqual(1)
    expect(early.length).toBe(stats.usageRecordsBeforeSettlement)
    expect(early.length).toBeLessThan(handedOver.length / 2)
  })
})

describe('the workload generator when transactions fail', () => {
  it('logs a failed transaction, tells onError, carries on, and counts only what was mined', async () => {
    const fromBlock = await client.getBlockNumber()
    const protocol = await deployer.deploy()
    // Actor 1 has no ether: everything it sends fails (insufficient funds) while actor 0 keeps going.
    const [funded, unfunded] = mnemonicAccounts(80, 2) as [HDAccount, HDAccount]
    await fundOnAnvil(services.rpcEndpoint, [funded.address], 10n ** 24n)
    await fundOnAnvil(services.rpcEndpoint, [unfunded.address], 0n)
    const errors: WorkloadActionType[] = []
    const workload = startWorkload({
      rpcEndpoint: services.rpcEndpoint,
      chainId: CHAIN_ID,
      protocol,
      seed: 11,
      accounts: [funded, unfunded],
      intervalMs: 10,
      logger: createLogger('silent', 'workload-test'),
      submitUsage: async () => {},
      onError: (_error, action) => errors.push(action.type),
    })
    const deadline = Date.now() + 90_000
    while (workload.stats().steps < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    await workload.stop()
    const stats = workload.stats()

    expect(stats.failed).toBeGreaterThan(0)
    expect(errors).toHaveLength(stats.failed)
    const succeeded = Object.values(stats.succeeded).reduce((sum, n) => sum + n, 0)
    expect(succeeded).toBeGreaterThan(0)
    expect(succeeded + stats.failed).toBe(stats.steps)
    // Everything on chain came from the funded account, and matches the successes counted.
    const logs = await client.getLogs({ address: Object.values(protocol), fromBlock })
    const senders = new Set(
      await Promise.all([...new Set(logs.map((l) => l.transactionHash!))].map(async (hash) => (await client.getTransaction({ hash })).from)),
    )
    expect([...senders]).toEqual([funded.address.toLowerCase()])
    const datanetsCreated = logs.filter((l) => l.topics[0] === datanetRegistry.events.DatanetCreated.topic)
    expect(datanetsCreated).toHaveLength(stats.succeeded.createDatanet)
    const submitted = logs.filter((l) => l.topics[0] === datanetRegistry.events.ContributionSubmitted.topic)
    expect(submitted).toHaveLength(stats.succeeded.submitContribution)
  })
})

function isBefore(a: readonly [bigint, number], b: readonly [bigint, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}
