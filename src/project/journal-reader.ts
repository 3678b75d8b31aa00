import type { Log, LogConsumer, LogRecord } from '../log/log.js'

/** A contiguous range of one partition, as the projector journaled a batch. */
export interface OffsetRange {
  topic: string
  partition: number
  first: bigint
  last: bigint
}

/** How many bytes of records one partition may hold ahead of the replay before its reading waits. */
const DEFAULT_AHEAD_BYTES_PER_PARTITION = 16 << 20

/**
 * Hands a replay the journaled ranges of the log in the journal's order, streaming each partition once from
 * the log instead of staging it. Every partition's ranges come in offset order, so each partition is a queue
 * read ahead of the replay, up to a bound; a partition past its bound waits, unless the replay is itself
 * waiting for another partition (one consumer may deliver several partitions one after another: blocking it
 * for one of them then would deadlock), so memory stays bounded in the common case and the replay never stalls.
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
    const queue = partitions.get(key) ?? { records: [], bytes: 0, next: r.first, end: r.last }
    if (r.first < queue.next) queue.next = r.first
    if (r.last > queue.end) queue.end = r.last
    partitions.set(key, queue)
  }
  const changed = new Notifier()
  /** Set while the replay waits for records: deliveries then never wait, whatever their partition holds. */
  let starving = false

  const consumer: LogConsumer | undefined = partitions.size === 0 ? undefined : await log.consumer(group)
  await consumer?.start({
    topics: [...new Set(ranges.map((r) => r.topic))],
    startOffset: async (topic, partition) => partitions.get(keyOf(topic, partition))?.next,
    handle: async ({ topic, partition, records }) => {
      const queue = partitions.get(keyOf(topic, partition))
      if (!queue) return
      for (const record of records) {
        // A redelivered batch (the log delivers at least once) repeats offsets already queued.
        if (record.offset !== queue.next || record.offset > queue.end) continue
        queue.records.push(record)
        queue.bytes += record.value?.length ?? 0
        queue.next++
      }
      changed.notify()
      while (queue.bytes > aheadBytesPerPartition && !starving) await changed.wait()
    },
  })

  return {
    async take({ topic, partition, first, last }: OffsetRange): Promise<LogRecord[]> {
      const queue = partitions.get(keyOf(topic, partition))
      if (!queue) throw new Error(`no journaled range of ${topic}/${partition}`)
      while (queue.next <= last) {
        starving = true
        changed.notify()
        await changed.wait()
      }
      starving = false
      let count = 0
      while (count < queue.records.length && queue.records[count].offset <= last) count++
      const delivered = queue.records.splice(0, count)
      queue.bytes -= delivered.reduce((sum, r) => sum + (r.value?.length ?? 0), 0)
      changed.notify()
      return delivered.filter((r) => r.offset >= first)
    },
    async close() {
      starving = true // a delivery waiting for room returns, so the consumer can stop
      changed.notify()
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
