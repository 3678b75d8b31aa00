// The protocol contracts on a real anvil chain: every function once, every event decoded with the
// typegen'd ABIs in src/abi (as the chain ingester decodes them), and the guards that must revert.
// Every test gets a fresh deployment and sets up what it needs itself, so the tests run in any order.
import {
  concat,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  http,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type Log,
  type PublicClient,
  type WalletClient,
} from 'viem'
import { mnemonicToAccount, type HDAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as agentRegistry from '../../src/abi/AgentRegistry.abi.js'
import * as datanetRegistry from '../../src/abi/DatanetRegistry.abi.js'
import * as inferenceNodeRegistry from '../../src/abi/InferenceNodeRegistry.abi.js'
import * as inferenceSettlement from '../../src/abi/InferenceSettlement.abi.js'
import * as modelRegistry from '../../src/abi/ModelRegistry.abi.js'
import * as rewardDistributor from '../../src/abi/RewardDistributor.abi.js'
import * as testStaking from '../../src/abi/TestStaking.abi.js'
import { deployProtocol, type ProtocolAddresses } from '../../src/chain/protocol.js'
import { ensureAnvil, type RunningService } from '../services/anvil.js'

const MNEMONIC = 'test test test test test test test test test test test junk'
const [owner, contributor, operator, node] = [0, 1, 2, 3].map((addressIndex) =>
  mnemonicToAccount(MNEMONIC, { addressIndex }),
) as [HDAccount, HDAccount, HDAccount, HDAccount]

let anvil: RunningService
let client: PublicClient
let wallet: WalletClient
let protocol: ProtocolAddresses

beforeAll(async () => {
  anvil = await ensureAnvil()
  client = createPublicClient({ chain: foundry, transport: http(anvil.url) })
  wallet = createWalletClient({ account: owner, chain: foundry, transport: http(anvil.url) })
}, 60_000)

beforeEach(async () => {
  protocol = await deployProtocol(wallet, client)
}, 60_000)

afterAll(async () => {
  await anvil?.stop()
})

/** Sends a transaction and returns the logs of its (successful) receipt. */
async function send(from: HDAccount, to: Address, data: string, value = 0n): Promise<Log[]> {
  const hash = await wallet.sendTransaction({ account: from, chain: foundry, to, data: data as Hex, value })
  const receipt = await client.waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
  return receipt.logs
}

/** Result data of a read-only call. */
async function read(to: Address, data: string): Promise<string> {
  const result = await client.call({ to, data: data as Hex })
  return result.data ?? '0x'
}

/** Decodes the one log of `event` emitted by `address`. */
function decodeOnly<T>(
  logs: Log[],
  address: Address,
  event: { topic: string; decode(log: { topics: string[]; data: string }): T },
): T {
  const matching = logs.filter((log) => log.address === address.toLowerCase() && log.topics[0] === event.topic)
  expect(matching).toHaveLength(1)
  return event.decode(matching[0]!)
}

const lower = (account: { address: Address }) => account.address.toLowerCase()

describe('DatanetRegistry', () => {
  const { events, functions } = datanetRegistry
  const contentA = keccak256(toHex('contribution A'))
  const contentB = keccak256(toHex('contribution B'))

  /** Datanet 1 of `owner` with contribution 1 (staked 1,000 wei) and contribution 2 (no stake) of `contributor`. */
  async function datanetWithTwoContributions() {
    const created = await send(owner, protocol.datanets, functions.createDatanet.encode({ metadataURI: 'ipfs://datanet-1' }))
    const submitted = await send(contributor, protocol.datanets, functions.submitContribution.encode({ datanetId: 1n, contentHash: contentA }), 1_000n)
    const second = await send(contributor, protocol.datanets, functions.submitContribution.encode({ datanetId: 1n, contentHash: contentB }))
    return { created, submitted, second }
  }

  it('creates a datanet and takes contributions with a stake', async () => {
    const { created, submitted, second } = await datanetWithTwoContributions()
    expect(decodeOnly(created, protocol.datanets, events.DatanetCreated)).toEqual({
      datanetId: 1n,
      owner: lower(owner),
      metadataURI: 'ipfs://datanet-1',
    })

    expect(decodeOnly(submitted, protocol.datanets, events.ContributionSubmitted)).toEqual({
      datanetId: 1n,
      contributionId: 1n,
      contributor: lower(contributor),
      contentHash: contentA,
      stake: 1_000n,
    })
    expect(decodeOnly(second, protocol.datanets, events.ContributionSubmitted)).toMatchObject({ contributionId: 2n, stake: 0n })
  })

  it('lets the datanet owner accept one contribution and reject the other, once each', async () => {
    await datanetWithTwoContributions()
    const accepted = await send(owner, protocol.datanets, functions.reviewContribution.encode({ contributionId: 1n, accepted: true }))
    expect(decodeOnly(accepted, protocol.datanets, events.ContributionReviewed)).toEqual({
      contributionId: 1n,
      accepted: true,
      reviewer: lower(owner),
    })
    const rejected = await send(owner, protocol.datanets, functions.reviewContribution.encode({ contributionId: 2n, accepted: false }))
    expect(decodeOnly(rejected, protocol.datanets, events.ContributionReviewed)).toMatchObject({ contributionId: 2n, accepted: false })

    const stored = functions.contributions.decodeResult(await read(protocol.datanets, functions.contributions.encode({ _0: 2n })))
    expect(stored.status).toBe(3) // Status.Rejected

    const again = functions.reviewContribution.encode({ contributionId: 1n, accepted: false })
    await expect(send(owner, protocol.datanets, again)).rejects.toThrow(/already reviewed/)
    const byOther = functions.reviewContribution.encode({ contributionId: 1n, accepted: true })
    await expect(send(contributor, protocol.datanets, byOther)).rejects.toThrow(/not datanet owner/)
  })

  it('lets the datanet owner slash a contribution', async () => {
    await datanetWithTwoContributions()
    await send(owner, protocol.datanets, functions.reviewContribution.encode({ contributionId: 1n, accepted: true }))
    const data = functions.slashContribution.encode({ contributionId: 1n, amount: 400n, reason: 'duplicate data' })
    const slashed = await send(owner, protocol.datanets, data)
    expect(decodeOnly(slashed, protocol.datanets, events.ContributionSlashed)).toEqual({
      contributionId: 1n,
      amount: 400n,
      reason: 'duplicate data',
    })
  })
})

describe('ModelRegistry', () => {
  const { events, functions } = modelRegistry

  it('registers a base model and a LoRA adapter of it', async () => {
    const base = await send(owner, protocol.models, functions.registerModel.encode({ baseModelId: 0n, datanetIds: [1n], metadataURI: 'ipfs://base' }))
    expect(decodeOnly(base, protocol.models, events.ModelRegistered)).toEqual({
      modelId: 1n,
      owner: lower(owner),
      baseModelId: 0n,
      datanetIds: [1n],
      metadataURI: 'ipfs://base',
    })
    const adapterData = functions.registerModel.encode({ baseModelId: 1n, datanetIds: [1n, 7n], metadataURI: 'ipfs://lora' })
    const adapter = await send(contributor, protocol.models, adapterData)
    expect(decodeOnly(adapter, protocol.models, events.ModelRegistered)).toEqual({
      modelId: 2n,
      owner: lower(contributor),
      baseModelId: 1n,
      datanetIds: [1n, 7n],
      metadataURI: 'ipfs://lora',
    })

    const onAdapter = functions.registerModel.encode({ baseModelId: 2n, datanetIds: [], metadataURI: '' })
    await expect(send(owner, protocol.models, onAdapter)).rejects.toThrow(/base is an adapter/)
    const onUnknown = functions.registerModel.encode({ baseModelId: 99n, datanetIds: [], metadataURI: '' })
    await expect(send(owner, protocol.models, onUnknown)).rejects.toThrow(/unknown base model/)
  })

  it('sets a fee split that sums to 10000, only by the model owner', async () => {
    await send(owner, protocol.models, functions.registerModel.encode({ baseModelId: 0n, datanetIds: [1n], metadataURI: 'ipfs://base' }))
    const data = functions.setFeeSplit.encode({ modelId: 1n, modelBps: 2500, stakersBps: 1500, dataBps: 6000 })
    const set = await send(owner, protocol.models, data)
    expect(decodeOnly(set, protocol.models, events.FeeSplitSet)).toEqual({
      modelId: 1n,
      modelBps: 2500,
      stakersBps: 1500,
      dataBps: 6000,
    })

    const badSum = functions.setFeeSplit.encode({ modelId: 1n, modelBps: 2500, stakersBps: 1500, dataBps: 5999 })
    await expect(send(owner, protocol.models, badSum)).rejects.toThrow(/split must sum to 10000/)
    await expect(send(contributor, protocol.models, data)).rejects.toThrow(/not model owner/)
  })
})

describe('AgentRegistry', () => {
  it('registers an agent', async () => {
    const { events, functions } = agentRegistry
    const logs = await send(operator, protocol.agents, functions.registerAgent.encode({ metadataURI: 'ipfs://agent' }))
    expect(decodeOnly(logs, protocol.agents, events.AgentRegistered)).toEqual({
      agentId: 1n,
      owner: lower(operator),
      metadataURI: 'ipfs://agent',
    })
  })
})

describe('InferenceNodeRegistry', () => {
  it('registers a node for its operator and lets only the operator revoke it', async () => {
    const { events, functions } = inferenceNodeRegistry
    const isActive = async () =>
      functions.isActive.decodeResult(await read(protocol.nodes, functions.isActive.encode({ node: node.address })))

    const registered = await send(operator, protocol.nodes, functions.registerNode.encode({ node: node.address }))
    expect(decodeOnly(registered, protocol.nodes, events.InferenceNodeRegistered)).toEqual({
      node: lower(node),
      operator: lower(operator),
    })
    expect(await isActive()).toBe(true)

    const revoke = functions.revokeNode.encode({ node: node.address })
    await expect(send(owner, protocol.nodes, revoke)).rejects.toThrow(/not node operator/)
    const revoked = await send(operator, protocol.nodes, revoke)
    expect(decodeOnly(revoked, protocol.nodes, events.InferenceNodeRevoked)).toEqual({ node: lower(node) })
    expect(await isActive()).toBe(false)
  })
})

describe('InferenceSettlement', () => {
  const { events, functions } = inferenceSettlement
  const inferenceId = keccak256(toHex('inference 1'))

  it('settles an inference once, the fee being the value sent', async () => {
    const data = functions.settle.encode({ inferenceId, modelId: 2n, agentId: 1n, platformFee: 100n })
    const settled = await send(contributor, protocol.settlement, data, 10_000n)
    expect(decodeOnly(settled, protocol.settlement, events.InferenceSettled)).toEqual({
      inferenceId,
      modelId: 2n,
      agentId: 1n,
      payer: lower(contributor),
      fee: 10_000n,
      platformFee: 100n,
    })
    await expect(send(contributor, protocol.settlement, data, 10_000n)).rejects.toThrow(/already settled/)
  })

  it('accepts a platform fee above the fee (the indexer dead-letters it)', async () => {
    const data = functions.settle.encode({ inferenceId: keccak256(toHex('inference 2')), modelId: 1n, agentId: 0n, platformFee: 5n })
    const settled = await send(contributor, protocol.settlement, data, 4n)
    expect(decodeOnly(settled, protocol.settlement, events.InferenceSettled)).toMatchObject({ fee: 4n, platformFee: 5n })
  })
})

describe('TestStaking', () => {
  it('runs a stake through top-up, unstake request and unstake', async () => {
    const { events, functions } = testStaking
    const staked = await send(operator, protocol.staking, functions.stake.encode({}), 500n)
    expect(decodeOnly(staked, protocol.staking, events.Staked)).toEqual({ stakingId: 1n, recipient: lower(operator), amount: 500n })

    const toppedUp = await send(operator, protocol.staking, functions.topUp.encode({ stakingId: 1n }), 250n)
    expect(decodeOnly(toppedUp, protocol.staking, events.ToppedUp)).toEqual({ stakingId: 1n, recipient: lower(operator), amount: 250n })
    expect(await client.getBalance({ address: protocol.staking })).toBe(750n)

    await expect(send(operator, protocol.staking, functions.unstake.encode({ stakingId: 1n }))).rejects.toThrow(/wrong stake status/)
    const requested = await send(operator, protocol.staking, functions.requestUnstake.encode({ stakingId: 1n }))
    expect(decodeOnly(requested, protocol.staking, events.RequestUnstake)).toEqual({ stakingId: 1n, recipient: lower(operator) })

    const unstaked = await send(operator, protocol.staking, functions.unstake.encode({ stakingId: 1n }))
    expect(decodeOnly(unstaked, protocol.staking, events.Unstaked)).toEqual({ stakingId: 1n, recipient: lower(operator) })
    expect(await client.getBalance({ address: protocol.staking })).toBe(0n)
  })
})

describe('RewardDistributor', () => {
  const { events, functions } = rewardDistributor
  const epoch = 7n

  // OpenZeppelin StandardMerkleTree over [address, uint256], built by hand for two leaves:
  // leaf = keccak256(keccak256(abi.encode(account, amount))), inner node = keccak256 of the sorted pair.
  const leaf = (account: Address, amount: bigint) =>
    keccak256(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [account, amount])))
  const leafContributor = leaf(contributor.address, 700n)
  const leafOperator = leaf(operator.address, 300n)
  const root = keccak256(concat(leafContributor < leafOperator ? [leafContributor, leafOperator] : [leafOperator, leafContributor]))

  const publishRoot = functions.publishRoot.encode({ epoch, root, total: 1_000n })

  it('publishes an epoch root, only by the owner', async () => {
    const data = publishRoot
    await expect(send(contributor, protocol.rewards, data)).rejects.toThrow(/not owner/)
    const published = await send(owner, protocol.rewards, data)
    expect(decodeOnly(published, protocol.rewards, events.RewardRootPublished)).toEqual({ epoch, root, total: 1_000n })
  })

  it('accepts a claim with a valid proof once, and rejects a wrong proof', async () => {
    await send(owner, protocol.rewards, publishRoot)
    const claim = functions.claim.encode({ epoch, account: contributor.address, amount: 700n, proof: [leafOperator] })
    const claimed = await send(operator, protocol.rewards, claim) // anyone may submit the claim
    expect(decodeOnly(claimed, protocol.rewards, events.RewardClaimed)).toEqual({ epoch, account: lower(contributor), amount: 700n })
    await expect(send(operator, protocol.rewards, claim)).rejects.toThrow(/already claimed/)

    const wrongProof = functions.claim.encode({ epoch, account: operator.address, amount: 300n, proof: [leafOperator] })
    await expect(send(operator, protocol.rewards, wrongProof)).rejects.toThrow(/invalid proof/)
    const wrongAmount = functions.claim.encode({ epoch, account: operator.address, amount: 301n, proof: [leafContributor] })
    await expect(send(operator, protocol.rewards, wrongAmount)).rejects.toThrow(/invalid proof/)

    const otherLeaf = functions.claim.encode({ epoch, account: operator.address, amount: 300n, proof: [leafContributor] })
    const otherClaimed = await send(operator, protocol.rewards, otherLeaf)
    expect(decodeOnly(otherClaimed, protocol.rewards, events.RewardClaimed)).toEqual({ epoch, account: lower(operator), amount: 300n })
  })
})
