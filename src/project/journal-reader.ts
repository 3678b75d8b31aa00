import type { Log, LogConsumer, LogRecord } from '../log/log.js'

/** A contiguous range of one partition, as the projector journaled a batch. */
export interface OffsetRange {
  topic: string
  partition: number
  first: bigint
  last: bigint
}

/**
 * How many bytes of records one partition may hold ahead of the replay before the log stops fetching it; one
 * fetch (4 MB a partition) may land past the bound. At 1M inferences (5 partitions) the replay peaked at 296-312
 * MiB of RSS with 4 MB here and at 283 MiB with 2 MB (bench, `--through-replay`, 2026-12-06).
 */
const DEFAULT_AHEAD_BYTES_PER_PARTITION = 2 << 20

/**
 * Hands a replay the journaled ranges of the log in the journal's order, streaming each partition once from
 * the log instead of staging it. Every partition's ranges come in offset order, so each partition is a queue
 * read ahead of the replay. A partition past its bound is paused at the log, never by blocking a delivery (one
 * consumer delivers its partitions one after another: blocking it for one would starve the others), and
 * resumed once the replay has taken enough of it, or at once when the replay waits for it.
 */
export async function openJournalReader(
  log: Log,
  group: string,
  ranges: readonly OffsetRange[],
  { aheadBytesPerPartition = DEFAULT_AHEAD_BYTES_PER_PARTITION } = {},
): Promise<JournalReader> {
  const partitions = new Map<string, PartitionQueue>()
  for (const r of ranges) {
    const key = keyOf(r.topic, r.partition)
    const queue = partitions.get(key) ?? { topic: r.topic, partition: r.partition, records: [], bytes: 0, next: r.first, end: r.last }
    if (r.first < queue.next) queue.next = r.first
    if (r.last > queue.end) queue.end = r.last
    partitions.set(key, queue)
  }
  const delivered = new Notifier()
  /** The partition the replay waits for: it is never paused, whatever it holds (its range may exceed the bound). */
  let wanted: PartitionQueue | undefined

  const consumer: LogConsumer | undefined = partitions.size === 0 ? undefined : await log.consumer(group)
  // Both are idempotent, so neither needs to know what the log's state is (a rebalance resumes what it assigns).
  const pause = (queue: PartitionQueue) => consumer?.pause(queue.topic, queue.partition)
  const resume = (queue: PartitionQueue) => consumer?.resume(queue.topic, queue.partition)
  await consumer?.start({
    topics: [...new Set(ranges.map((r) => r.topic))],
    startOffset: async (topic, partition) => partitions.get(keyOf(topic, partition))?.next,
    handle: async ({ topic, partition, records }) => {
      const queue = partitions.get(keyOf(topic, partition))
      if (!queue) return
      for (const record of records) {
        // A redelivered batch (the log delivers at least once) repeats offsets already queued.
        if (record.offset !== queue.next || record.offset > queue.end) continue
        // Kafka's client hands out values as slices of its whole fetch response: a queued slice would keep the
        // response, every partition's share of it, in memory until the replay takes it. A copy keeps only the record.
        queue.records.push(record.value ? { ...record, value: Buffer.from(record.value) } : record)
        queue.bytes += record.value?.length ?? 0
        queue.next++
      }
      if (queue.bytes > aheadBytesPerPartition && queue !== wanted) pause(queue)
      delivered.notify()
    },
  })

  return {
    async take({ topic, partition, first, last }: OffsetRange): Promise<LogRecord[]> {
      const queue = partitions.get(keyOf(topic, partition))
      if (!queue) throw new Error(`no journaled range of ${topic}/${partition}`)
      if (queue.next <= last) {
        wanted = queue
        resume(queue)
        while (queue.next <= last) await delivered.wait()
        wanted = undefined
      }
      let count = 0
      while (count < queue.records.length && queue.records[count].offset <= last) count++
      const taken = queue.records.splice(0, count)
      queue.bytes -= taken.reduce((sum, r) => sum + (r.value?.length ?? 0), 0)
      if (queue.bytes <= aheadBytesPerPartition) resume(queue)
      return taken.filter((r) => r.offset >= first)
    },
    async close() {
      await consumer?.close()
    },
  }
}

/** Wakes every waiter at once; a waiter re-checks its condition. */
class Notifier {
  private waiters: (() => void)[] = []

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  notify(): void {
    const waiting = this.waiters
    this.waiters = []
    for (const wake of waiting) wake()
  }
}

export interface JournalReader {
  /** The records of one journaled range, once the log has delivered them. */
  take(range: OffsetRange): Promise<LogRecord[]>
  close(): Promise<void>
}

interface PartitionQueue {
  topic: string
  partition: number
  records: LogRecord[]
  bytes: number
  /** The next offset this partition's queue expects from the log. */
  next: bigint
  /** The partition's last journaled offset: nothing after it is kept. */
  end: bigint
}

function keyOf(topic: string, partition: number) {
  return `${topic}/${partition}`
}
