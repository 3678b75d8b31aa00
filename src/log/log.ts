/**
 * The log of record, as the rest of the pipeline sees it. Kafka implements it in production; an embedded
 * implementation can stand in without a broker. Semantics the projector relies on: records of one partition
 * arrive in offset order; a consumer starts each partition where its own durable store says; a batch not
 * acknowledged is delivered again.
 */
export interface OutgoingRecord {
  key: string | null
  value: Buffer
  headers?: Record<string, string>
}

export interface LogRecord {
  topic: string
  partition: number
  offset: bigint
  key: string | null
  value: Buffer | null
  headers: Record<string, string>
}

export interface PartitionBatch {
  topic: string
  partition: number
  records: LogRecord[]
}

export interface TopicSpec {
  name: string
  partitions: number
}

export interface LogProducer {
  /**
   * Resolves only once the log has durably acknowledged every record, in order within a partition. A large send
   * may go out in several requests: when it fails, a prefix may already be on the log, so a retry re-publishes
   * records consumers already have (they recognise them by event id).
   */
  send(topic: string, records: OutgoingRecord[]): Promise<void>
  close(): Promise<void>
}

/**
 * Thrown by `handle` when the consumer's store is behind the batch it was given: the store lost its last
 * transactions (PostgreSQL crashed while they were committed asynchronously). The consumer delivers the
 * partition again from `offset`. Offsets of a partition are consecutive (producers are idempotent, not
 * transactional, and topics are not compacted), so a batch that starts past the stored offset means exactly that.
 */
export class Rewind extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly offset: bigint) {
    super(`${topic}/${partition}: the consumer's store is at offset ${offset}, before the batch delivered; reading again from there`)
    this.name = 'Rewind'
  }
}

export interface ConsumeOptions {
  topics: string[]
  /** Where to start a newly assigned partition: the next offset to read, or undefined for the beginning. */
  startOffset(topic: string, partition: number): Promise<bigint | undefined>
  /** Applies a batch durably; the log treats the batch as consumed only after this resolves (see also Rewind). */
  handle(batch: PartitionBatch): Promise<void>
  /**
   * How many partitions' batches may be in `handle` at once (default 1); one partition's batches never overlap.
   * The embedded log always handles one at a time.
   */
  concurrentPartitions?: number
}

export interface LogConsumer {
  /** Starts consuming in the background; resolves once the subscription is running. */
  start(options: ConsumeOptions): Promise<void>
  /**
   * Delivers the partition again from `offset`: for a batch whose handler returned before its application
   * failed (the projector applies a batch while the next is delivered).
   */
  seek(topic: string, partition: number, offset: bigint): void
  /**
   * Stops fetching the partition until `resume`, which continues after the last batch handled. A batch being
   * handled, or already fetched, may still arrive. A consumer group's rebalance resumes every partition it assigns.
   */
  pause(topic: string, partition: number): void
  resume(topic: string, partition: number): void
  close(): Promise<void>
}

export interface Log {
  ensureTopics(topics: TopicSpec[]): Promise<void>
  /** The next offset to be written, per partition of the topic (the consumer is caught up when it reaches it). */
  endOffsets(topic: string): Promise<Map<number, bigint>>
  producer(): Promise<LogProducer>
  consumer(group: string): Promise<LogConsumer>
  close(): Promise<void>
}
