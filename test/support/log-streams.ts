import { CHAIN_EVENT_VERSION, finalizedEventId, orphanedBlocksEventId } from '../../src/domain/chain-events.js'
import { chainEventId, encodeEnvelope, type BlockRef, type Envelope } from '../../src/domain/envelope.js'
import { usageRecordEnvelope, type UsageRecord } from '../../src/domain/usage-record.js'
import { FINAL_HEADER } from '../../src/log/headers.js'
import type { LogRecord } from '../../src/log/log.js'

/** Hand-built chain and usage streams, as the ingesters would publish them, for projector tests without Kafka. */

export const topics = { chain: 'batch.chain', usage: 'batch.usage', deadLetter: 'batch.deadletter' }
export const settings = { epochBlocks: 1000, defaultFeeSplit: { modelBps: 3000, stakersBps: 1000, dataBps: 6000 } }
export const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}`
export const inferenceId = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
export const NODE = address(0x0de5)
const SIGNATURE = `0x${'ab'.repeat(64)}1b`

/** Builds both streams with their offsets; chain events are final up to `finalUpTo`. */
export class Streams {
  chain: LogRecord[] = []
  usage: LogRecord[] = []
  private logIndexes = new Map<string, number>()
  finalUpTo = 0

  block(number: number, fork = ''): BlockRef {
    return { number, hash: `0x${fork || '0'}${number.toString(16).padStart(63, '0')}` }
  }

  event(type: string, block: BlockRef, payload: Record<string, unknown>) {
    // Numbered within the block, as on a chain: the same event mined in the same block has the same id.
    const logIndex = this.logIndexes.get(block.hash) ?? 0
    this.logIndexes.set(block.hash, logIndex + 1)
    this.push({
      id: chainEventId(31337, block.hash, logIndex),
      type,
      version: CHAIN_EVENT_VERSION,
      source: 'chain',
      chainId: 31337,
      block,
      txHash: `0x${'ee'.repeat(32)}`,
      logIndex,
      occurredAt: new Date(Date.UTC(2026, 10, 25) + block.number * 2000).toISOString(),
      payload,
    }, block.number <= this.finalUpTo)
  }

  finalize(head: BlockRef) {
    this.finalUpTo = Math.max(this.finalUpTo, head.number)
    this.push({ id: finalizedEventId(31337, head), type: 'BlocksFinalized', version: CHAIN_EVENT_VERSION, source: 'chain', chainId: 31337, occurredAt: new Date().toISOString(), payload: { head } }, true)
  }

  orphan(blocks: BlockRef[]) {
    this.push({ id: orphanedBlocksEventId(31337, blocks), type: 'BlocksOrphaned', version: CHAIN_EVENT_VERSION, source: 'chain', chainId: 31337, occurredAt: new Date().toISOString(), payload: { blocks } }, false)
  }

  settle(n: number, block: BlockRef, modelId: string, fee = 1_000_003n, platformFee = 3n, agentId = '1') {
    this.event('InferenceSettled', block, { inferenceId: inferenceId(n), modelId, agentId, payer: address(0xbeef), fee: fee.toString(), platformFee: platformFee.toString() })
  }

  usageRecord(n: number, modelId: string, attributions: [string, number][], tokensIn = 100) {
    const record: UsageRecord = {
      inferenceId: inferenceId(n), modelId, agentId: '1', tokensIn, tokensOut: 50, timestamp: 1_790_000_000 + n,
      attributions: attributions.map(([contributionId, weight]) => ({ contributionId, weight })), node: NODE, signature: SIGNATURE,
    }
    this.usage.push(logRecord(topics.usage, this.usage.length, encodeEnvelope(usageRecordEnvelope(record)), {}))
  }

  private push(envelope: Envelope, final: boolean) {
    this.chain.push(logRecord(topics.chain, this.chain.length, encodeEnvelope(envelope), final ? { [FINAL_HEADER]: 'true' } : {}))
  }
}

function logRecord(topic: string, offset: number, value: Buffer, headers: Record<string, string>): LogRecord {
  return { topic, partition: 0, offset: BigInt(offset), key: null, value, headers }
}

