import type {
  FinalTxInfo,
  HashAndHeight,
  HotDatabase,
  HotDatabaseState,
  HotTxInfo,
} from '@subsquid/util-internal-processor-tools'
import assert from 'node:assert/strict'
import type { Logger } from 'pino'
import type { DataSource } from 'typeorm'
import { retryWhileDatabaseDown, SessionLock, type OutagePolicy } from '../../db/outage.js'
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

/** A dead letter of a chain log, with the block it came from. */
export interface ChainDeadLetter extends DeadLetter {
  blockHash: string
}

/** What the processor's batch handler writes to: events for the chain topic and dead letters. */
export class EventBuffer {
  readonly events: Envelope[] = []
  readonly deadLetters: ChainDeadLetter[] = []

  /** Drops what came from these blocks (they are on the log already). */
  without(blockHashes: ReadonlySet<string>): EventBuffer {
    const kept = new EventBuffer()
    kept.events.push(...this.events.filter((e) => !blockHashes.has(e.block?.hash ?? '')))
    kept.deadLetters.push(...this.deadLetters.filter((d) => !blockHashes.has(d.blockHash)))
    return kept
  }
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
  /** Told after each transaction is on the log and in the cursor. */
  onCommitted?(batch: CommittedBatch): void
  /** How often to try again for the ingest lock while another ingester holds it. */
  lockRetryMs?: number
}

export interface CommittedBatch {
  /** The highest block the cursor now covers. */
  height: number
  events: Envelope[]
  deadLetters: DeadLetter[]
  /** How many published blocks this transaction rolled back. */
  orphanedBlocks: number
}

const RACE = 'the ingest cursor moved underneath this ingester: is another ingester running for this chain?'

/**
 * The processor's "database" is the log: the squid store interface (connect / transact / transactHot2) with
 * Kafka underneath. Each transaction publishes its events, then advances the cursor in Postgres, so a crash
 * between the two re-publishes the same deterministic ids (harmless downstream) and never skips a block.
 * On a fork it first publishes a BlocksOrphaned event naming every published block that left the chain.
 *
 * BlocksFinalized(h) goes out only once the cursor itself is at h (in the transaction after the one that saved
 * it): the projector forgets how to undo blocks up to h, so announcing it before the cursor is saved would let a
 * crash leave hot blocks in the cursor that can no longer be undone.
 */
export class LogSinkDatabase implements HotDatabase<EventBuffer> {
  readonly supportsHotBlocks = true as const
  private lock?: SessionLock
  private stopping = false
  private inFlight?: Promise<void>
  /** The finalized height this process has announced with BlocksFinalized. */
  private announcedFinalHeight = -1

  constructor(private readonly options: LogSinkOptions) {}

  async connect(): Promise<HotDatabaseState> {
    // One ingester per chain: the lock lives as long as its connection (and is taken again on a new one after a
    // database restart). A second ingester waits as a standby, which also covers a restart racing the old
    // process's connection teardown.
    const { chainId, logger, lockRetryMs = 1_000 } = this.options
    this.lock = new SessionLock(
      this.options.db,
      async (runner) => {
        for (let attempt = 1; ; attempt++) {
          const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [INGEST_LOCK_CLASS, chainId])
          if (locked) return
          if (attempt % 30 === 1) logger.warn({ chainId, attempt }, 'another ingester holds the cursor of this chain; waiting for it')
          await new Promise((resolve) => setTimeout(resolve, lockRetryMs))
        }
      },
      { ...this.outage(), what: 'holding the ingest lock' },
    )
    await this.lock.held()
    await this.orphanInterruptedPublication()
    return this.loadState()
  }

  private outage(): OutagePolicy {
    return { service: 'chain-ingest', logger: this.options.logger }
  }

  /**
   * Every statement of the ingester sets absolute values (the cursor, the pending blocks), so one interrupted by
   * a database outage is simply run again once the database and the ingest lock are back.
   */
  private query<T>(sql: string, params: unknown[]): Promise<T> {
    return retryWhileDatabaseDown('saving the ingest cursor', this.outage(), async () => {
      await this.lock?.held()
      return this.options.db.query(sql, params) as Promise<T>
    })
  }

  /** Blocks a crashed predecessor was publishing when it died: undone now, delivered again if still canonical. */
  private async orphanInterruptedPublication(): Promise<void> {
    const [row] = await this.query<{ pending: HashAndHeight[] }[]>(
      'SELECT pending FROM ingest_cursor WHERE chain_id = $1',
      [this.options.chainId],
    )
    if (!row || row.pending.length === 0) return
    this.options.logger.warn({ blocks: row.pending.length }, 'the last publication was interrupted: orphaning its blocks')
    await this.publish([this.orphanedEvent([...row.pending].reverse())], [])
    await this.query(`UPDATE ingest_cursor SET pending = '[]' WHERE chain_id = $1`, [this.options.chainId])
  }

  /**
   * Lets the transaction in progress finish (up to `timeoutMs`), refuses to start another, and releases the
   * lock: for a clean shutdown. Whatever is cut short is redone from the cursor by the next ingester.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const outcome = await Promise.race([this.inFlight?.catch(() => {}), timeout])
    clearTimeout(timer)
    if (outcome === 'timeout') this.options.logger.warn({ timeoutMs }, 'stopping with a transaction unfinished; the cursor still covers it')
    await this.lock?.release()
    this.lock = undefined
  }

  /** Runs one transaction, unless stopping: then it never starts, and the processor waits until the exit. */
  private exclusive(run: () => Promise<void>): Promise<void> {
    if (this.stopping) return new Promise(() => {})
    const work = run()
    this.inFlight = work
    return work
  }

  transact(info: FinalTxInfo, cb: (store: EventBuffer) => Promise<void>): Promise<void> {
    return this.exclusive(() => this.transactFinal(info, cb))
  }

  private async transactFinal(info: FinalTxInfo, cb: (store: EventBuffer) => Promise<void>): Promise<void> {
    const state = await this.loadState()
    assert(state.height === info.prevHead.height && state.hash === info.prevHead.hash, RACE)
    const buffer = new EventBuffer()
    await cb(buffer)
    // Hot blocks published earlier are re-delivered as final blocks of this batch: undo them first.
    const orphaned = state.top.length > 0 ? [this.orphanedEvent([...state.top].reverse())] : []
    await this.publish([...this.finalityOf(state), ...orphaned, ...buffer.events], buffer.deadLetters, { final: true })
    this.announcedFinalHeight = state.height
    await this.saveState({ ...info.nextHead, top: [] })
    this.options.onCommitted?.({
      height: info.nextHead.height,
      events: buffer.events,
      deadLetters: buffer.deadLetters,
      orphanedBlocks: state.top.length,
    })
  }

  async transactHot(
    info: HotTxInfo,
    cb: (store: EventBuffer, block: HashAndHeight) => Promise<void>,
  ): Promise<void> {
    return this.transactHot2(info, async (store, start, end) => {
      for (let i = start; i < end; i++) await cb(store, info.newBlocks[i])
    })
  }

  transactHot2(
    info: HotTxInfo,
    cb: (store: EventBuffer, blockSliceStart: number, blockSliceEnd: number) => Promise<void>,
  ): Promise<void> {
    return this.exclusive(() => this.transactHotBlocks(info, cb))
  }

  private async transactHotBlocks(
    info: HotTxInfo,
    cb: (store: EventBuffer, blockSliceStart: number, blockSliceEnd: number) => Promise<void>,
  ): Promise<void> {
    const state = await this.loadState()
    const chain: HashAndHeight[] = [{ height: state.height, hash: state.hash }, ...state.top]
    assert(chain.some((b) => b.hash === info.baseHead.hash), RACE)
    assert(chain[0].height <= info.finalizedHead.height, RACE)

    const rollbackPos = info.baseHead.height + 1 - chain[0].height
    // After a restart the processor may hand back blocks we published, unchanged: they stay, and are not re-sent.
    const replaced = chain.slice(rollbackPos)
    let unchanged = 0
    while (unchanged < replaced.length && replaced[unchanged].hash === info.newBlocks[unchanged]?.hash) unchanged++
    const orphanedBlocks = replaced.slice(unchanged).reverse()
    const fullBuffer = new EventBuffer()
    if (info.newBlocks.length > 0) await cb(fullBuffer, 0, info.newBlocks.length)
    const buffer = fullBuffer.without(new Set(replaced.slice(0, unchanged).map((b) => b.hash)))

    const nextChain = chain.slice(0, rollbackPos).concat(info.newBlocks)
    const finalizedPos = info.finalizedHead.height - nextChain[0].height
    assert.equal(nextChain[finalizedPos]?.hash, info.finalizedHead.hash, 'finalized head is not on the new chain')

    const events: Envelope[] = [...this.finalityOf(state)]
    if (orphanedBlocks.length > 0) events.push(this.orphanedEvent(orphanedBlocks))
    events.push(...buffer.events)
    await this.markPending(state, info.newBlocks.slice(unchanged))
    await this.publish(events, buffer.deadLetters)
    this.announcedFinalHeight = state.height
    const top = nextChain.slice(finalizedPos + 1)
    await this.saveState({ ...info.finalizedHead, top })
    this.options.onCommitted?.({
      height: (top[top.length - 1] ?? info.finalizedHead).height,
      events: buffer.events,
      deadLetters: buffer.deadLetters,
      orphanedBlocks: orphanedBlocks.length,
    })
  }

  /** BlocksFinalized for the cursor's final head, unless already announced by this process (re-announcing is harmless). */
  private finalityOf(state: HotDatabaseState): Envelope[] {
    return state.height >= 0 && state.height > this.announcedFinalHeight ? [this.finalizedEvent(state)] : []
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
    const rows = await this.query<{ height: number; hash: string; top: HashAndHeight[] }[]>(
      'SELECT height, hash, top FROM ingest_cursor WHERE chain_id = $1',
      [this.options.chainId],
    )
    return rows[0] ?? { height: -1, hash: '0x', top: [] }
  }

  /** Saves the cursor, which also clears the pending blocks: their publication is complete. */
  private async saveState(state: HotDatabaseState, pending: HashAndHeight[] = []): Promise<void> {
    await this.query(
      `INSERT INTO ingest_cursor (chain_id, height, hash, top, pending) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chain_id) DO UPDATE SET height = excluded.height, hash = excluded.hash, top = excluded.top,
         pending = excluded.pending`,
      [this.options.chainId, state.height, state.hash, refs(state.top), refs(pending)],
    )
  }

  /** Records the hot blocks about to be published (see db/migrations/*-IngestPending.js). */
  private async markPending(state: HotDatabaseState, blocks: HashAndHeight[]): Promise<void> {
    if (blocks.length > 0) await this.saveState(state, blocks)
  }
}

function refs(blocks: HashAndHeight[]): string {
  return JSON.stringify(blocks.map(({ height, hash }) => ({ height, hash })))
}

/** The advisory-lock namespace of ingesters ("ing"); the chain id is the key. */
export const INGEST_LOCK_CLASS = 0x696e67
