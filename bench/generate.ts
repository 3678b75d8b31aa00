import { createHash } from 'node:crypto'
import { CHAIN_EVENT_VERSION, finalizedEventId, type ChainEventType, type ChainPayload } from '../src/domain/chain-events.js'
import { chainEventId, encodeEnvelope, type Envelope } from '../src/domain/envelope.js'
import { usageRecordEnvelope, USAGE_RECORDED, type UsageRecord } from '../src/domain/usage-record.js'
import { FINAL_HEADER, TYPE_HEADER } from '../src/log/headers.js'
import type { OutgoingRecord } from '../src/log/log.js'

/**
 * A deterministic backlog for the benchmark: the chain events a busy attribution economy would put on the log
 * (datanets, reviewed contributions, models and adapters, fee splits, agents, an inference node, then settled
 * inferences spread over several epochs, with BlocksFinalized markers) and one usage record per inference.
 * Records are shaped exactly as the ingesters publish them: chain envelopes keyed by event id with the `type`
 * header and `final: 'true'` (every block here is final), usage envelopes keyed by model id.
 *
 * Usage records carry a fixed, well-formed dummy signature: the projector validates the record's shape but
 * never verifies signatures (the usage ingester does, before publishing), so signing a million records would
 * only measure viem.
 */
export interface BacklogShape {
  inferences: number
  epochBlocks: number
  /** How many epochs the settlements are spread over. */
  epochs: number
  chainId: number
}

export const DATANETS = 10
export const CONTRIBUTIONS = 1_000
export const CONTRIBUTORS = 200
export const BASE_MODELS = 16
export const ADAPTERS = 4
export const AGENTS = 10
export const ATTRIBUTIONS_PER_INFERENCE = 8
/** Blocks between two BlocksFinalized markers (the chain ingester announces finality once per batch). */
const FINALITY_EVERY_BLOCKS = 1_000
const FIRST_SETTLEMENT_BLOCK = 100
const GENESIS_SECONDS = 1_767_225_600 // 2026-01-01
const BLOCK_SECONDS = 2
const DUMMY_SIGNATURE = `0x${'ab'.repeat(64)}1b`

export type BacklogRecord = { topic: 'chain' | 'usage'; record: OutgoingRecord }

const hex = (label: string, bytes: number) => `0x${createHash('sha256').update(label).digest('hex').slice(0, bytes * 2)}`
export const addressOf = (label: string) => hex(`address:${label}`, 20)
export const blockHashOf = (block: number) => hex(`block:${block}`, 32)
export const inferenceIdOf = (index: number) => hex(`inference:${index}`, 32)
const blockTime = (block: number) => GENESIS_SECONDS + block * BLOCK_SECONDS
export const contributorAddress = (contributionId: number) => addressOf(`contributor:${contributionId % CONTRIBUTORS}`)
export const NODE_ADDRESS = addressOf('inference-node')

/** The datanet of contribution `id` (1-based), and the datanets model `id` was trained on. */
export const datanetOfContribution = (id: number) => 1 + (id % DATANETS)
export const datanetsOfModel = (id: number) => (id <= BASE_MODELS ? [1 + (id % DATANETS), 1 + ((id + 3) % DATANETS)] : [1 + (id % DATANETS)])

/** Every record of the backlog in publication order; a generator, so a million inferences never sit in memory. */
export function* backlog(shape: BacklogShape): Generator<BacklogRecord> {
  const chain = new ChainWriter(shape.chainId)
  yield* setupEvents(chain)
  const span = shape.epochs * shape.epochBlocks - FIRST_SETTLEMENT_BLOCK
  for (let i = 0; i < shape.inferences; i++) {
    const block = FIRST_SETTLEMENT_BLOCK + Math.floor((i * span) / shape.inferences)
    yield* chain.at(block)
    const modelId = String(1 + (i % (BASE_MODELS + ADAPTERS)))
    const fee = 10n ** 15n + BigInt(i % 1000) * 10n ** 12n
    const inferenceId = inferenceIdOf(i)
    yield chain.event('InferenceSettled', {
      inferenceId,
      modelId,
      agentId: String(1 + (i % AGENTS)),
      payer: addressOf(`payer:${i % 500}`),
      fee: fee.toString(),
      platformFee: (fee / 20n).toString(),
    })
    yield usageRecord(i, inferenceId, modelId, blockTime(block))
  }
  // Finality past the last epoch, so every epoch closes once the backlog is drained.
  yield* chain.finalizeUpTo(shape.epochs * shape.epochBlocks)
}

function* setupEvents(chain: ChainWriter): Generator<BacklogRecord> {
  yield* chain.at(1)
  for (let d = 1; d <= DATANETS; d++) {
    yield chain.event('DatanetCreated', { datanetId: String(d), owner: addressOf(`datanet-owner:${d}`), metadataURI: `ipfs://datanet/${d}` })
  }
  for (let c = 1; c <= CONTRIBUTIONS; c++) {
    yield* chain.at(2 + Math.floor(c / 100))
    yield chain.event('ContributionSubmitted', {
      datanetId: String(datanetOfContribution(c)),
      contributionId: String(c),
      contributor: contributorAddress(c),
      contentHash: hex(`content:${c}`, 32),
      stake: c % 3 === 0 ? '1000000000000000000' : '0',
    })
  }
  for (let c = 1; c <= CONTRIBUTIONS; c++) {
    yield* chain.at(20 + Math.floor(c / 100))
    yield chain.event('ContributionReviewed', { contributionId: String(c), accepted: true, reviewer: addressOf('reviewer') })
  }
  yield* chain.at(40)
  for (let m = 1; m <= BASE_MODELS + ADAPTERS; m++) {
    yield chain.event('ModelRegistered', {
      modelId: String(m),
      owner: addressOf(`model-owner:${m % 8}`),
      baseModelId: m <= BASE_MODELS ? '0' : String(m - BASE_MODELS),
      datanetIds: datanetsOfModel(m).map(String),
      metadataURI: `ipfs://model/${m}`,
    })
  }
  yield* chain.at(41)
  for (let m = 1; m <= BASE_MODELS + ADAPTERS; m += 2) {
    yield chain.event('FeeSplitSet', { modelId: String(m), modelBps: 2500, stakersBps: 1500, dataBps: 6000 })
  }
  yield* chain.at(42)
  for (let a = 1; a <= AGENTS; a++) {
    yield chain.event('AgentRegistered', { agentId: String(a), owner: addressOf(`agent-owner:${a}`), metadataURI: `ipfs://agent/${a}` })
  }
  yield chain.event('InferenceNodeRegistered', { node: NODE_ADDRESS, operator: addressOf('node-operator') })
}

/** Eight distinct contributions per inference with positive integer weights, varying with the inference. */
export function attributionsOf(index: number): { contributionId: string; weight: number }[] {
  return Array.from({ length: ATTRIBUTIONS_PER_INFERENCE }, (_, k) => ({
    contributionId: String(1 + ((index * 37 + k * 125) % CONTRIBUTIONS)),
    weight: 1 + ((index + k * 131) % 997),
  }))
}

function usageRecord(index: number, inferenceId: string, modelId: string, timestamp: number): BacklogRecord {
  const record: UsageRecord = {
    inferenceId,
    modelId,
    agentId: String(1 + (index % AGENTS)),
    tokensIn: 100 + (index % 400),
    tokensOut: 50 + (index % 900),
    timestamp,
    attributions: attributionsOf(index),
    node: NODE_ADDRESS,
    signature: DUMMY_SIGNATURE,
  }
  return {
    topic: 'usage',
    record: { key: modelId, value: encodeEnvelope(usageRecordEnvelope(record)), headers: { [TYPE_HEADER]: USAGE_RECORDED } },
  }
}

/** Numbers blocks and log indexes, and announces finality every FINALITY_EVERY_BLOCKS blocks, as the ingester would. */
class ChainWriter {
  private block = 0
  private logIndex = 0
  private announced = 0

  constructor(private readonly chainId: number) {}

  /** Moves to `block` (never back); yields a BlocksFinalized marker when a finality boundary was crossed. */
  *at(block: number): Generator<BacklogRecord> {
    if (block === this.block) return
    const boundary = Math.floor((block - 1) / FINALITY_EVERY_BLOCKS) * FINALITY_EVERY_BLOCKS
    this.block = block
    this.logIndex = 0
    if (boundary > this.announced) {
      this.announced = boundary
      yield this.control(boundary)
    }
  }

  event<T extends ChainEventType>(type: T, payload: ChainPayload<T>): BacklogRecord {
    const hash = blockHashOf(this.block)
    const logIndex = this.logIndex++
    const envelope: Envelope = {
      id: chainEventId(this.chainId, hash, logIndex),
      type,
      version: CHAIN_EVENT_VERSION,
      source: 'chain',
      chainId: this.chainId,
      block: { number: this.block, hash },
      txHash: hex(`tx:${this.block}:${logIndex}`, 32),
      logIndex,
      occurredAt: new Date(blockTime(this.block) * 1000).toISOString(),
      payload,
    }
    return chainRecord(envelope)
  }

  /** Announces every block up to `height` final, unless already announced. */
  *finalizeUpTo(height: number): Generator<BacklogRecord> {
    if (height <= this.announced) return
    this.announced = height
    yield this.control(height)
  }

  private control(height: number): BacklogRecord {
    const head = { number: height, hash: blockHashOf(height) }
    return chainRecord({
      id: finalizedEventId(this.chainId, head),
      type: 'BlocksFinalized',
      version: CHAIN_EVENT_VERSION,
      source: 'chain',
      chainId: this.chainId,
      occurredAt: new Date(blockTime(height) * 1000).toISOString(),
      payload: { head },
    })
  }
}

function chainRecord(envelope: Envelope): BacklogRecord {
  return {
    topic: 'chain',
    record: { key: envelope.id, value: encodeEnvelope(envelope), headers: { [TYPE_HEADER]: envelope.type, [FINAL_HEADER]: 'true' } },
  }
}
