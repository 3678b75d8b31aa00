import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { toHex, type Address, type Hex } from 'viem'
import { protocolEnv, type ProtocolAddresses } from '../src/chain/protocol.js'
import { openDatabase } from '../src/db/data-source.js'
import { startAnvil } from '../src/dev/anvil.js'
import type { WorkloadAction } from '../src/dev/workload-state.js'
import { transactionFor } from '../src/dev/workload-transactions.js'
import { freePort } from '../src/free-port.js'
import { TYPE_HEADER } from '../src/log/headers.js'
import { createKafkaLog } from '../src/log/kafka-log.js'
import { createLogger } from '../src/logger.js'
import { testWallet } from '../test/support/chain.js'
import { createTestDatabase, withClient } from '../test/support/database.js'
import { sampleRss, startAttrib } from './measure.js'
import { deleteTopics } from './services.js'

/**
 * Chain ingestion: a private anvil pre-filled with blocks of many protocol events each, then `attrib ingest` from
 * block 0 into a fresh topic namespace and database, timed until its cursor reaches the head. The events on the
 * chain topic are counted afterwards and must be exactly the ones mined.
 */

export interface ChainIngestionOptions {
  brokers: string[]
  adminUrl: string
  /** Blocks with protocol events, after the deployment and one set-up block. */
  blocks: number
  eventsPerBlock: number
  /** Keep the topics and the database afterwards. */
  keep?: boolean
  progress?(message: string): void
}

const CHAIN_ID = 31337
/** The `anvil` network preset's: the last blocks take the ingester's hot-block path, as at a real head. */
const FINALITY_CONFIRMATIONS = 10
/** Explicit, so anvil never estimates: above what any of these calls uses (registerModel ≈ 200k). */
const TX_GAS = 400_000n
const ANVIL_GAS_LIMIT = 30_000_000n
const CURSOR_POLL_MS = 100
const STALL_MS = 60_000
const STOP_GRACE_MS = 15_000

export async function measureChainIngestion(options: ChainIngestionOptions) {
  const { progress = () => {} } = options
  const cleanups: (() => Promise<void>)[] = []
  try {
    const gasLimit = BigInt(options.eventsPerBlock) * TX_GAS
    const anvil = await startAnvil(`http://127.0.0.1:${await freePort()}`, ['--gas-limit', String(gasLimit > ANVIL_GAS_LIMIT ? gasLimit : ANVIL_GAS_LIMIT)])
    cleanups.push(anvil.stop)
    const protocol = await testWallet(anvil.url, 0).deploy()

    progress(`pre-filling anvil: ${options.blocks} blocks × ${options.eventsPerBlock} protocol events`)
    const fill = await prefill(anvil.url, protocol, options.blocks, options.eventsPerBlock)
    progress(`pre-filled ${fill.events} events up to block ${fill.head} in ${fill.seconds.toFixed(1)} s`)

    const namespace = `bench-chain-${randomBytes(4).toString('hex')}`
    const topics = { chain: `${namespace}.chain.${CHAIN_ID}`, deadLetter: `${namespace}.deadletter` }
    if (!options.keep) cleanups.push(() => deleteTopics(options.brokers, [topics.chain, `${namespace}.usage`, topics.deadLetter]))
    const database = await createTestDatabase(options.adminUrl, 'attrib_bench_chain')
    if (!options.keep) cleanups.push(database.drop)
    await (await openDatabase(database.url, { poolSize: 2 })).destroy() // migrate now, so the run measures ingestion

    const run = await ingest(anvil.url, protocol, { namespace, dbUrl: database.url, brokers: options.brokers, head: fill.head })
    const published = await countChainTopic(options.brokers, topics, namespace)
    if (published.protocolEvents !== fill.events || published.duplicates > 0 || published.deadLetters > 0) {
      throw new Error(
        `chain ingestion published ${published.protocolEvents} protocol events (${published.duplicates} duplicate ids, ` +
          `${published.deadLetters} dead letters), but ${fill.events} were mined`,
      )
    }
    const blocks = fill.head + 1
    return {
      blocks,
      filledBlocks: options.blocks,
      eventsPerBlock: options.eventsPerBlock,
      events: published.protocolEvents,
      controlEvents: published.controlEvents,
      finalityConfirmations: FINALITY_CONFIRMATIONS,
      prefillSeconds: fill.seconds,
      seconds: run.seconds,
      ingestingSeconds: run.ingestingSeconds,
      blocksPerSecond: blocks / run.seconds,
      eventsPerSecond: published.protocolEvents / run.seconds,
      peakRssBytes: run.peakRssBytes,
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error('cleanup failed:', err))
  }
}

export type ChainIngestionResult = Awaited<ReturnType<typeof measureChainIngestion>>

/**
 * Mines one set-up block (datanets, base models, agents, a node), then `blocks` blocks of `perBlock` transactions
 * each emitting one protocol event, sent in one JSON-RPC batch per block with automine off. A transaction only
 * refers to what earlier blocks created, so the order anvil puts them in within a block does not matter.
 */
async function prefill(url: string, protocol: ProtocolAddresses, blocks: number, perBlock: number) {
  const started = Date.now()
  const [accounts] = await rpc<Address[]>(url, [{ method: 'eth_accounts', params: [] }])
  const nonces = await rpc<Hex>(url, accounts.map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'pending'] })))
  const nextNonce = nonces.map(Number)
  await rpc(url, [{ method: 'evm_setAutomine', params: [false] }])
  const plan = fillPlan(perBlock)
  const expected = new Map<number, number>()
  const [deployed] = await rpc<Hex>(url, [{ method: 'eth_blockNumber', params: [] }])
  let head = Number(deployed)
  for (let block = 0; block <= blocks; block++) {
    const actions = block === 0 ? plan.setUp() : plan.nextBlock()
    const sends = actions.map((action) => {
      const request = transactionFor(action, plan.nodeAddress)
      const tx = {
        from: accounts[action.actor],
        to: protocol[request.contract],
        data: request.data,
        value: toHex(request.value),
        gas: toHex(TX_GAS),
        nonce: toHex(nextNonce[action.actor]++),
      }
      return { method: 'eth_sendTransaction', params: [tx] }
    })
    await rpc(url, sends)
    await rpc(url, [{ method: 'evm_mine', params: [] }])
    expected.set(++head, actions.length)
  }
  await verifyLogs(url, protocol, expected)
  const events = [...expected.values()].reduce((a, b) => a + b, 0)
  return { head, events, seconds: (Date.now() - started) / 1000 }
}

/** Every pre-filled block must hold exactly its transactions' events: a revert or a dropped transaction fails here. */
async function verifyLogs(url: string, protocol: ProtocolAddresses, expected: Map<number, number>) {
  const numbers = [...expected.keys()]
  const perBlock = Math.max(...expected.values())
  const span = Math.max(1, Math.floor(20_000 / perBlock)) // blocks per eth_getLogs, to keep each answer modest
  const found = new Map<number, number>()
  for (let from = numbers[0]; from <= numbers[numbers.length - 1]; from += span) {
    const filter = { address: Object.values(protocol), fromBlock: toHex(from), toBlock: toHex(from + span - 1) }
    const [logs] = await rpc<{ blockNumber: Hex }[]>(url, [{ method: 'eth_getLogs', params: [filter] }])
    for (const log of logs) found.set(Number(log.blockNumber), (found.get(Number(log.blockNumber)) ?? 0) + 1)
  }
  const wrong = numbers.filter((n) => found.get(n) !== expected.get(n))
  if (wrong.length > 0) {
    const n = wrong[0]
    throw new Error(`pre-fill: block ${n} has ${found.get(n) ?? 0} protocol events, ${expected.get(n)} were sent (${wrong.length} blocks wrong)`)
  }
}

const MIX = ['submit', 'settle', 'submit', 'review', 'settle', 'submit', 'review', 'settle', 'feeSplit', 'other'] as const
const OTHERS = ['createDatanet', 'registerAdapter', 'registerAgent', 'stake', 'registerNode'] as const
const OWNER = 0 // the set-up block's sender: owns the first datanets and models, so it reviews and sets splits
const SET_UP = { datanets: 3, baseModels: 2, agents: 2 }

/**
 * The transactions of each block: mostly contributions, reviews and settlements, like the dev workload, with the
 * occasional new datanet, adapter, agent, stake or node. Senders rotate over anvil's unlocked accounts 1..9.
 */
function fillPlan(perBlock: number) {
  const created = { datanets: 0, models: 0, agents: 0, nodes: 0, contributions: 0 }
  let reviewed = 0
  let step = 0
  const sender = () => 1 + (step % 9)
  const uri = (kind: string) => `ipfs://attrib-bench/${kind}/${step}`
  const pick = (count: number) => BigInt(1 + (step % count))

  function other(visible: typeof created): WorkloadAction {
    const kind = OTHERS[Math.floor(step / MIX.length) % OTHERS.length]
    switch (kind) {
      case 'createDatanet':
        created.datanets++
        return { type: 'createDatanet', actor: sender(), metadataURI: uri('datanet') }
      case 'registerAdapter':
        created.models++
        return { type: 'registerAdapter', actor: sender(), baseModelId: pick(SET_UP.baseModels), datanetIds: [pick(visible.datanets)], metadataURI: uri('adapter') }
      case 'registerAgent':
        created.agents++
        return { type: 'registerAgent', actor: sender(), metadataURI: uri('agent') }
      case 'stake':
        return { type: 'stake', actor: sender(), amount: 10n ** 15n + BigInt(step) }
      case 'registerNode':
        return { type: 'registerNode', actor: sender(), node: created.nodes++ }
    }
  }

  function next(visible: typeof created): WorkloadAction {
    const slot = MIX[step % MIX.length]
    if (slot === 'review' && reviewed < visible.contributions) {
      return { type: 'reviewContribution', actor: OWNER, contributionId: BigInt(++reviewed), accepted: reviewed % 5 !== 0 }
    }
    if (slot === 'settle') {
      const inferenceId = toHex(step + 1, { size: 32 })
      const usage = { inferenceId, modelId: String(pick(visible.models)), agentId: String(pick(visible.agents)), tokensIn: 512, tokensOut: 128, timestamp: 0, attributions: [] }
      return { type: 'settleInference', actor: sender(), fee: 10n ** 15n + BigInt(step), platformFee: 10n ** 13n, node: 0, usage, usageFirst: false }
    }
    if (slot === 'feeSplit') {
      const modelBps = 1000 + (step % 3000)
      return { type: 'setFeeSplit', actor: OWNER, modelId: pick(SET_UP.baseModels), split: { modelBps, stakersBps: 1000, dataBps: 9000 - modelBps } }
    }
    if (slot === 'other') return other(visible)
    created.contributions++
    const contentHash = toHex(BigInt(step) * 0x9e3779b97f4a7c15n, { size: 32 })
    // Only to the set-up datanets: their owner is the one reviewer, whatever ids the contributions get in the block.
    return { type: 'submitContribution', actor: sender(), datanetId: pick(SET_UP.datanets), contentHash, stake: step % 2 ? 10n ** 14n : 0n }
  }

  return {
    /** Node addresses are only registered, never used to sign: any distinct non-zero address will do. */
    nodeAddress: (node: number): Address => toHex(node + 1, { size: 20 }),
    setUp(): WorkloadAction[] {
      const actions: WorkloadAction[] = [
        ...Array.from({ length: SET_UP.datanets }, (_, i) => ({ type: 'createDatanet' as const, actor: OWNER, metadataURI: `ipfs://attrib-bench/datanet/${i}` })),
        ...Array.from({ length: SET_UP.baseModels }, (_, i) => ({ type: 'registerBaseModel' as const, actor: OWNER, datanetIds: [BigInt(i + 1)], metadataURI: `ipfs://attrib-bench/model/${i}` })),
        ...Array.from({ length: SET_UP.agents }, (_, i) => ({ type: 'registerAgent' as const, actor: OWNER, metadataURI: `ipfs://attrib-bench/agent/${i}` })),
        { type: 'registerNode', actor: OWNER, node: created.nodes++ },
      ]
      created.datanets += SET_UP.datanets
      created.models += SET_UP.baseModels
      created.agents += SET_UP.agents
      return actions
    },
    nextBlock(): WorkloadAction[] {
      const visible = { ...created }
      return Array.from({ length: perBlock }, () => {
        const action = next(visible)
        step++
        return action
      })
    },
  }
}

/** `attrib ingest` from block 0 until its cursor (final height or newest hot block) is at `head`. */
async function ingest(url: string, protocol: ProtocolAddresses, run: { namespace: string; dbUrl: string; brokers: string[]; head: number }) {
  const started = Date.now()
  const ingester = startAttrib(['ingest'], {
    ...protocolEnv(protocol),
    DB_URL: run.dbUrl,
    KAFKA_BROKERS: run.brokers.join(','),
    TOPIC_NAMESPACE: run.namespace,
    RPC_ENDPOINT: url,
    CHAIN_ID: String(CHAIN_ID),
    FINALITY_CONFIRMATIONS: String(FINALITY_CONFIRMATIONS),
    START_BLOCK: '0',
    HEAD_POLL_INTERVAL_MS: '200',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  })
  let startedAt: number | undefined
  createInterface({ input: ingester.child.stderr! }).on('line', (line) => {
    if (line.includes('"msg":"chain ingester starting"')) startedAt ??= Date.now()
  })
  const rss = sampleRss(ingester.child)
  let doneAt: number
  try {
    doneAt = await withClient(run.dbUrl, async (client) => {
      let last = { cursor: -1, at: Date.now() }
      for (;;) {
        if (ingester.child.exitCode != null) throw new Error(`attrib ingest exited before reaching the head:\n${ingester.stderr()}`)
        const { rows } = await client.query<{ height: number; top: { height: number }[] }>(
          'SELECT height, top FROM ingest_cursor WHERE chain_id = $1',
          [CHAIN_ID],
        )
        const cursor = rows[0] ? (rows[0].top.at(-1)?.height ?? rows[0].height) : -1
        if (cursor >= run.head) return Date.now()
        if (cursor > last.cursor) last = { cursor, at: Date.now() }
        // The ingester retries a failed publication forever: a bench that waited would never end.
        if (Date.now() - last.at > STALL_MS) {
          throw new Error(`attrib ingest stalled at block ${cursor} of ${run.head} for ${STALL_MS / 1000} s:\n${ingester.stderr()}`)
        }
        await sleep(CURSOR_POLL_MS)
      }
    })
  } finally {
    // A publication being retried holds up the clean shutdown.
    const kill = setTimeout(() => ingester.child.kill('SIGKILL'), STOP_GRACE_MS)
    await ingester.stop()
    clearTimeout(kill)
  }
  return {
    seconds: (doneAt - started) / 1000,
    ingestingSeconds: (doneAt - (startedAt ?? started)) / 1000,
    peakRssBytes: await rss.stop(),
  }
}

/** Reads the chain topic from the start: protocol events and control events (BlocksFinalized, BlocksOrphaned) apart. */
async function countChainTopic(brokers: string[], topics: { chain: string; deadLetter: string }, namespace: string) {
  const log = createKafkaLog({ brokers, clientId: 'attrib-bench', logger: createLogger('warn', 'bench') })
  try {
    const end = (await log.endOffsets(topics.chain)).get(0) ?? 0n
    const deadLetters = Number([...(await log.endOffsets(topics.deadLetter)).values()].reduce((a, b) => a + b, 0n))
    const ids = new Set<string>()
    let read = 0n
    let protocolEvents = 0
    let controlEvents = 0
    const consumer = await log.consumer(`${namespace}-count`)
    await consumer.start({
      topics: [topics.chain],
      startOffset: async () => 0n,
      handle: async ({ records }) => {
        for (const record of records) {
          const type = record.headers[TYPE_HEADER]
          if (type === 'BlocksFinalized' || type === 'BlocksOrphaned') controlEvents++
          else {
            protocolEvents++
            ids.add(record.key ?? '')
          }
          read = record.offset + 1n
        }
      },
    })
    const deadline = Date.now() + STALL_MS
    while (read < end) {
      if (Date.now() > deadline) throw new Error(`counting ${topics.chain}: read ${read} of ${end} records in ${STALL_MS / 1000} s`)
      await sleep(CURSOR_POLL_MS)
    }
    return { protocolEvents, controlEvents, duplicates: protocolEvents - ids.size, deadLetters }
  } finally {
    await log.close()
  }
}

async function rpc<T = unknown>(url: string, calls: { method: string; params: unknown[] }[]): Promise<T[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((call, id) => ({ jsonrpc: '2.0', id, ...call }))),
  })
  const replies = (await response.json()) as { id: number; result?: T; error?: { message: string } }[]
  return [...replies]
    .sort((a, b) => a.id - b.id)
    .map((reply) => {
      if (reply.error) throw new Error(`${calls[reply.id].method}: ${reply.error.message}`)
      return reply.result as T
    })
}
