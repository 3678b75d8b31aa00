import type { Logger } from '../logger.js'
import { Rewind, type LogConsumer, type PartitionBatch } from '../log/log.js'

const RETRY_MS = { first: 250, max: 30_000 }

/**
 * Lets the log deliver, and the projector decode, batch n+1 while PostgreSQL writes batch n: `handle` waits for
 * the batch in flight, starts the next one's transaction and returns without waiting for it. Batches are still
 * applied one at a time and in order, and each commits its rows with its offsets, so exactly-once does not rest
 * on the log's acknowledgement: a batch whose transaction fails after the log counted it delivered is asked for
 * again with `consumer.seek` (at once for a Rewind, after a growing pause for anything else), and the stored
 * offset skips whatever was applied meanwhile.
 */
export class ApplyAhead<Prepared> {
  private inFlight: Promise<void> = Promise.resolve()
  private retryMs = RETRY_MS.first
  private closed = false
  private wakeFromPause: (() => void) | undefined

  constructor(
    private readonly consumer: Pick<LogConsumer, 'seek'>,
    private readonly logger: Logger,
    /** The work that needs no database: decoding. Runs while the previous batch is being written. */
    private readonly prepare: (batch: PartitionBatch) => Prepared,
    private readonly apply: (batch: PartitionBatch, prepared: Prepared) => Promise<void>,
  ) {}

  async handle(batch: PartitionBatch): Promise<void> {
    const prepared = this.prepare(batch)
    await this.inFlight
    if (this.closed) return
    this.inFlight = this.apply(batch, prepared).then(
      () => {
        this.retryMs = RETRY_MS.first
      },
      (err) => this.redeliver(batch, err),
    )
  }

  /** Waits for the batch in flight; later batches are not applied (the log delivers them again). */
  async close(): Promise<void> {
    this.closed = true
    this.wakeFromPause?.()
    await this.inFlight
  }

  private async redeliver(batch: PartitionBatch, err: unknown) {
    if (this.closed) return
    const { topic, partition } = batch
    if (err instanceof Rewind) {
      this.logger.warn({ topic, partition, offset: String(err.offset) }, err.message)
      return this.consumer.seek(topic, partition, err.offset)
    }
    const offset = batch.records[0].offset
    this.logger.error({ err, topic, partition, offset: String(offset), retryInMs: this.retryMs }, 'applying a batch failed; reading it again')
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.retryMs)
      this.wakeFromPause = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wakeFromPause = undefined
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max)
    if (!this.closed) this.consumer.seek(topic, partition, offset)
  }
}
