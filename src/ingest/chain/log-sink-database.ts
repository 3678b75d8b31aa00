import type {
  FinalTxInfo,
  HashAndHeight,
  HotDatabase,
  HotDatabaseState,
  HotTxInfo,
} from '@subsquid/util-internal-processor-tools'
import assert from 'node:assert/strict'
import type { Logger } from 'pino'
import type { DataSource, QueryRunner } from 'typeorm'
import {
  CHAIN_EVENT_VERSION,
  finalizedEventId,
  orphanedBlocksEventId,
  type ChainEventType,
} from '../../domain/chain-events.js'
import { encodeEnvelope, type BlockRef, type Envelope } from '../../domain/envelope.js'
import { deadLetterRecord, type DeadLetter } from '../../log/dead-letter.js'
import { FINAL_HEADER, TYPE_HEADER } from '../../log/headers.js'
import type { LogProducer, OutgoingRecord } from '../../log/log.js'

/** What the processor's batch handler writes to: events for the chain topic and dead letters. */
export class EventBuffer {
  readonly events: Envelope[] = []
  readonly deadLetters: DeadLetter[] = []
}

export interface LogSinkOptions {
  chainId: number
  db: DataSource
  producer: LogProducer
  chainTopic: string
  deadLetterTopic: string
  logger: Logger
  /** Wraps every publication; the ingester passes a retry-with-backoff policy. */
  publish?: (send: () => Promise<void>) => Promise<void>
}

const RACE = 'the ingest cursor moved underneath this ingester: is another ingester running for this chain?'

/**
 * The processor's "database" is the log: the squid store interface (connect / transact / transactHot2) with
 * Kafka underneath. Each transaction publishes its events, then advances the cursor in Postgres, so a crash
 * between the two re-publishes the same deterministic ids (harmless downstream) and never skips a block.
 * On a fork it first publishes a BlocksOrphaned event naming every published block that left the chain.
 */
export class LogSinkDatabase implements HotDatabase<EventBuffer> {
  readonly supportsHotBlocks = true as const
  private lock?: QueryRunner

  constructor(private readonly options: LogSinkOptions) {}

  async connect(): Promise<HotDatabaseState> {
    // One ingester per chain: the lock lives as long as this connection.
    this.lock = this.options.db.createQueryRunner()
    const [{ locked }] = await this.lock.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      INGEST_LOCK_CLASS,
      this.options.chainId,
    ])
    if (!locked) {
      await this.close()
      throw new Error(`another ingester holds the cursor of chain ${this.options.chainId}`)
    }
    return this.loadState()
  }

  async close(): Promise<void> {
    await this.lock?.release()
    this.lock = undefined
  }

  async transact(info: FinalTxInfo, cb: (store: EventBuffer) => Promise<void>): Promise<void> {
    const state = await this.loadState()
    assert(state.height === info.prevHead.height && state.hash === info.prevHead.hash, RACE)
    const buffer = new EventBuffer()
    await cb(buffer)
    // Hot blocks published earlier are re-delivered as final blocks of this batch: undo them first.
    const orphaned = state.top.length > 0 ? [this.orphanedEvent([...state.top].reverse())] : []
    const finalized = this.finalizedEvent(info.nextHead)
    await this.publish([...orphaned, ...buffer.events, finalized], buffer.deadLetters, { final: true })
    await this.saveState({ ...info.nextHead, top: [] })
  }

  async transactHot(
    info: HotTxInfo,
    cb: (store: EventBuffer, block: HashAndHeight) => Promise<void>,
  ): Promise<void> {
    return this.transactHot2(info, async (store, start, end) => {
      for (let i = start; i < end; i++) await cb(store, info.newBlocks[i])
    })
  }

  async transactHot2(
    info: HotTxInfo,
    cb: (store: EventBuffer, blockSliceStart: number, blockSliceEnd: number) => Promise<void>,
  ): Promise<void> {
    const state = await this.loadState()
    const chain: HashAndHeight[] = [{ height: state.height, hash: state.hash }, ...state.top]
    assert(chain.some((b) => b.hash === info.baseHead.hash), RACE)
    assert(chain[0].height <= info.finalizedHead.height, RACE)

    const rollbackPos = info.baseHead.height + 1 - chain[0].height
    const orphanedBlocks = chain.slice(rollbackPos).reverse()
    const buffer = new EventBuffer()
    if (info.newBlocks.length > 0) await cb(buffer, 0, info.newBlocks.length)

    const nextChain = chain.slice(0, rollbackPos).concat(info.newBlocks)
    const finalizedPos = info.finalizedHead.height - nextChain[0].height
    assert.equal(nextChain[finalizedPos]?.hash, info.finalizedHead.hash, 'finalized head is not on the new chain')

    const events: Envelope[] = []
    if (orphanedBlocks.length > 0) events.push(this.orphanedEvent(orphanedBlocks))
    events.push(...buffer.events)
    if (info.finalizedHead.height > state.height) events.push(this.finalizedEvent(info.finalizedHead))
    await this.publish(events, buffer.deadLetters)
    await this.saveState({ ...info.finalizedHead, top: nextChain.slice(finalizedPos + 1) })
  }

  private async publish(events: Envelope[], deadLetters: DeadLetter[], { final = false } = {}): Promise<void> {
    const { producer, chainTopic, deadLetterTopic, publish = (send) => send() } = this.options
    const records: OutgoingRecord[] = events.map((e) => ({
      key: e.id,
      value: encodeEnvelope(e),
      headers: { [TYPE_HEADER]: e.type, ...(final ? { [FINAL_HEADER]: 'true' } : {}) } as Record<string, string>,
    }))
    await publish(() => producer.send(chainTopic, records))
    if (deadLetters.length > 0) {
      await publish(() => producer.send(deadLetterTopic, deadLetters.map(deadLetterRecord)))
    }
  }

  private orphanedEvent(blocks: HashAndHeight[]): Envelope {
    const refs: BlockRef[] = blocks.map((b) => ({ number: b.height, hash: b.hash }))
    return this.controlEvent(orphanedBlocksEventId(this.options.chainId, refs), 'BlocksOrphaned', { blocks: refs })
  }

  private finalizedEvent(head: HashAndHeight): Envelope {
    const ref: BlockRef = { number: head.height, hash: head.hash }
    return this.controlEvent(finalizedEventId(this.options.chainId, ref), 'BlocksFinalized', { head: ref })
  }

  private controlEvent(id: string, type: ChainEventType, payload: unknown): Envelope {
    // Control events describe the ingester's view, not a block: their time is when the ingester saw it.
    return { id, type, version: CHAIN_EVENT_VERSION, source: 'chain', chainId: this.options.chainId, occurredAt: new Date().toISOString(), payload }
  }

  private async loadState(): Promise<HotDatabaseState> {
    const rows: { height: number; hash: string; top: HashAndHeight[] }[] = await this.options.db.query(
      'SELECT height, hash, top FROM ingest_cursor WHERE chain_id = $1',
      [this.options.chainId],
    )
    return rows[0] ?? { height: -1, hash: '0x', top: [] }
  }

  private async saveState(state: HotDatabaseState): Promise<void> {
    await this.options.db.query(
      `INSERT INTO ingest_cursor (chain_id, height, hash, top) VALUES ($1, $2, $3, $4)
       ON CONFLICT (chain_id) DO UPDATE SET height = excluded.height, hash = excluded.hash, top = excluded.top`,
      [this.options.chainId, state.height, state.hash, JSON.stringify(state.top.map(({ height, hash }) => ({ height, hash })))],
    )
  }
}

const INGEST_LOCK_CLASS = 0x696e67 // advisory-lock namespace of ingesters ("ing"); the chain id is the key
