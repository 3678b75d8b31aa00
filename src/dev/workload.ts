import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ProtocolAddresses } from '../chain/protocol.js'
import { usageTypedData, type UsageRecord } from '../domain/usage-record.js'
import type { Logger } from '../logger.js'
import {
  DEV_WORKLOAD_ACCOUNT_COUNT,
  DEV_WORKLOAD_BALANCE,
  DEV_WORKLOAD_FIRST_ACCOUNT,
  deriveNodeKeys,
  fundOnAnvil,
  mnemonicAccounts,
} from './accounts.js'
import { createPlanner } from './workload-plan.js'
import {
  EMPTY_WORKLOAD_STATE,
  evolve,
  WORKLOAD_ACTION_TYPES,
  type WorkloadAction,
  type WorkloadActionType,
  type WorkloadState,
} from './workload-state.js'
import { createdIdFrom, transactionFor } from './workload-transactions.js'

/**
 * The dev workload generator: plans actions (workload-plan.ts), sends them as transactions from its own
 * accounts, and for each settled inference signs the usage record with the node's key and hands it to
 * `submitUsage`. One action at a time: the plan state only changes from a successful receipt, and each account
 * has at most one transaction in flight, so nonces stay sequential. On an automining anvil an action takes a few
 * tens of milliseconds, so the interval sets the pace; on a chain with a block time, it is one action per block.
 */

export const DEFAULT_WORKLOAD_INTERVAL_MS = 500
export const DEFAULT_ACTIONS_PER_TICK = 2
export const DEFAULT_NODE_COUNT = 8
const RECEIPT_TIMEOUT_MS = 60_000

export interface WorkloadOptions {
  rpcEndpoint: string
  chainId: number
  protocol: ProtocolAddresses
  /** uint32: the same seed on a fresh deployment replays the same activity. */
  seed: number
  /** Funded accounts that send the transactions; nobody else may send from them while the workload runs. */
  accounts: readonly LocalAccount[]
  /** The inference nodes' private keys; by default `DEFAULT_NODE_COUNT` keys derived from the seed. */
  nodeKeys?: readonly Hex[]
  /** Pause between ticks. */
  intervalMs?: number
  /** How long to wait for a transaction's receipt before counting it failed (a fork may drop it). */
  receiptTimeoutMs?: number
  actionsPerTick?: number
  /** Receives each signed usage record (one per call); a rejection is logged and the workload carries on. */
  submitUsage(records: UsageRecord[]): Promise<void>
  logger: Logger
  /** Told about each failed transaction or usage hand-over, after it is logged. */
  onError?(error: unknown, action: WorkloadAction): void
  /** What exists on chain already, when the workload resumes on a chain it built before (default: nothing). */
  initialState?: WorkloadState
  /** Told the new state after each mined action. */
  onStateChange?(state: WorkloadState): void
}

export interface WorkloadStats {
  /** Actions planned and attempted. */
  steps: number
  /** Mined successfully, by action type. */
  succeeded: Record<WorkloadActionType, number>
  /** Transactions that could not be sent or reverted. */
  failed: number
  usageRecordsSubmitted: number
  /** Of those, handed over before their settlement was mined. */
  usageRecordsBeforeSettlement: number
  usageSubmitFailures: number
}

export interface Workload {
  /** Ends the loop after the action in flight, and waits for it. */
  stop(): Promise<void>
  stats(): WorkloadStats
}

export function startWorkload(options: WorkloadOptions): Workload {
  const { protocol, accounts, logger } = options
  if (accounts.length === 0) throw new Error('the workload needs at least one account')
  const intervalMs = options.intervalMs ?? DEFAULT_WORKLOAD_INTERVAL_MS
  const actionsPerTick = options.actionsPerTick ?? DEFAULT_ACTIONS_PER_TICK
  const nodes = (options.nodeKeys ?? deriveNodeKeys(options.seed, DEFAULT_NODE_COUNT)).map((key) => privateKeyToAccount(key))

  const chain = defineChain({
    id: options.chainId,
    name: `chain ${options.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [options.rpcEndpoint] } },
  })
  const transport = http(options.rpcEndpoint)
  const client = createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient
  const wallet = createWalletClient({ chain, transport })
  const nonces = createNonceTracker(client)
  const planner = createPlanner({ seed: options.seed, actorCount: accounts.length, nodeCount: nodes.length })

  let state: WorkloadState = options.initialState ?? EMPTY_WORKLOAD_STATE
  const stats: WorkloadStats = {
    steps: 0,
    succeeded: Object.fromEntries(WORKLOAD_ACTION_TYPES.map((type) => [type, 0])) as Record<WorkloadActionType, number>,
    failed: 0,
    usageRecordsSubmitted: 0,
    usageRecordsBeforeSettlement: 0,
    usageSubmitFailures: 0,
  }

  const nodeAddress = (node: number): Address => {
    const account = nodes[node]
    if (!account) throw new Error(`no key for node ${node}`)
    return account.address
  }

  async function signUsage(action: Extract<WorkloadAction, { type: 'settleInference' }>): Promise<UsageRecord> {
    const node = nodes[action.node]!
    const signature = await node.signTypedData(usageTypedData(options.chainId, protocol.nodes, action.usage))
    return { ...action.usage, node: node.address, signature }
  }

  async function handOver(record: UsageRecord, action: WorkloadAction, beforeSettlement: boolean) {
    try {
      await options.submitUsage([record])
      stats.usageRecordsSubmitted++
      if (beforeSettlement) stats.usageRecordsBeforeSettlement++
    } catch (error) {
      stats.usageSubmitFailures++
      logger.warn({ reason: reasonOf(error), inferenceId: record.inferenceId }, 'workload: submitting a usage record failed')
      options.onError?.(error, action)
    }
  }

  async function execute(action: WorkloadAction) {
    const account = accounts[action.actor]!
    const request = transactionFor(action, nodeAddress)
    const to = protocol[request.contract]
    const usage = action.type === 'settleInference' ? { record: await signUsage(action), first: action.usageFirst } : undefined
    if (usage?.first) await handOver(usage.record, action, true)
    try {
      const hash = await nonces.send(account, (nonce) =>
        wallet.sendTransaction({ account, chain, to, data: request.data, value: request.value, nonce }),
      )
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: options.receiptTimeoutMs ?? RECEIPT_TIMEOUT_MS })
      if (receipt.status !== 'success') throw new Error(`${action.type} reverted (tx ${hash})`)
      state = evolve(state, action, createdIdFrom(action, to, receipt.logs))
      options.onStateChange?.(state)
      stats.succeeded[action.type]++
      logger.debug({ action: action.type, tx: hash, block: Number(receipt.blockNumber) }, 'workload: action mined')
    } catch (error) {
      stats.failed++
      logger.warn({ reason: reasonOf(error), action: action.type, actor: account.address }, 'workload: transaction failed, carrying on')
      options.onError?.(error, action)
      return
    }
    if (usage && !usage.first) await handOver(usage.record, action, false)
  }

  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let inFlight: Promise<void> | undefined

  async function tick() {
    for (let i = 0; i < actionsPerTick && !stopped; i++) {
      // The plan takes time as data; the record's timestamp is the wall clock at planning.
      const action = planner.next(state, Math.floor(Date.now() / 1000))
      stats.steps++
      await execute(action)
    }
  }

  function schedule(delayMs: number) {
    timer = setTimeout(() => {
      inFlight = tick()
        .catch((error: unknown) => logger.error({ err: error }, 'workload: tick failed'))
        .finally(() => {
          inFlight = undefined
          if (!stopped) schedule(intervalMs)
        })
    }, delayMs)
  }

  logger.info({ seed: options.seed, accounts: accounts.length, nodes: nodes.length, intervalMs }, 'workload: started')
  schedule(0)

  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await inFlight
      logger.info({ stats: summarize(stats) }, 'workload: stopped')
    },
    stats: () => ({ ...stats, succeeded: { ...stats.succeeded } }),
  }
}

/**
 * Nonces kept locally per account, so back-to-back transactions never reuse one even when the node's pending
 * count lags; re-read from the chain after a failed send (the nonce may or may not have been consumed).
 */
function createNonceTracker(client: PublicClient) {
  const next = new Map<Address, number>()
  return {
    async send(account: LocalAccount, sendWith: (nonce: number) => Promise<Hex>): Promise<Hex> {
      const nonce = next.get(account.address) ?? (await client.getTransactionCount({ address: account.address, blockTag: 'pending' }))
      try {
        const hash = await sendWith(nonce)
        next.set(account.address, nonce + 1)
        return hash
      } catch (error) {
        next.delete(account.address)
        throw error
      }
    },
  }
}

/** viem's errors carry the request and docs links in `message`; `shortMessage` has the revert reason. */
function reasonOf(error: unknown): string {
  if (error instanceof Error) return (error as Error & { shortMessage?: string }).shortMessage ?? error.message
  return String(error)
}

function summarize(stats: WorkloadStats) {
  const succeeded = Object.entries(stats.succeeded).filter(([, count]) => count > 0)
  return { ...stats, succeeded: Object.fromEntries(succeeded) }
}

export type DevWorkloadOptions = Omit<WorkloadOptions, 'accounts' | 'nodeKeys'>

/**
 * For `attrib dev` on a local anvil: the anvil mnemonic's accounts 10..19, funded with `anvil_setBalance`
 * (anvil funds only 0..9, which stay free for the deployer and other users), and node keys derived from the seed.
 */
export async function startDevWorkload(options: DevWorkloadOptions): Promise<Workload> {
  const accounts = mnemonicAccounts(DEV_WORKLOAD_FIRST_ACCOUNT, DEV_WORKLOAD_ACCOUNT_COUNT)
  await fundOnAnvil(
    options.rpcEndpoint,
    accounts.map((account) => account.address),
    DEV_WORKLOAD_BALANCE,
  )
  return startWorkload({ ...options, accounts })
}
