import { EventEmitter } from 'node:events'
import type { DataSource } from 'typeorm'
import type { Logger } from '../logger.js'
import { Rewind, type ConsumeOptions, type Log, type LogConsumer, type LogProducer, type LogRecord, type OutgoingRecord, type TopicSpec } from './log.js'

export interface EmbeddedLogOptions {
  /** The database holding the log's tables (db/migrations, EmbeddedLog): usually the projection's own. */
  db: DataSource
  logger: Logger
  /** How often an idle consumer looks for records appended by other processes; local sends wake it at once. */
  pollIntervalMs?: number
  /** The most records handed to `handle` in one batch. */
  maxBatchRecords?: number
}

/**
 * The log without a broker: an append-only table in PostgreSQL (or embedded PGlite), for running the whole
 * pipeline on one machine with nothing to install. Same semantics as the Kafka log for the projector: per
 * partition, consecutive offsets from 0 in append order; a consumer starts each partition where its own store
 * says and moves on only after `handle` resolves, so an unacknowledged batch is delivered again.
 */
export function createEmbeddedLog(options: EmbeddedLogOptions): Log {
  const { db, logger, pollIntervalMs = 250, maxBatchRecords = 500 } = options
  const open: { close(): Promise<void> }[] = []
  return {
    async ensureTopics(topics: TopicSpec[]) {
      // Like the Kafka log: a missing topic is created, an existing one keeps its partitions (adding some would
      // move keys to other partitions).
      for (const { name, partitions } of topics) {
        await db.query(
          `INSERT INTO log_partition (topic, partition)
           SELECT $1, p FROM generate_series(0, $2::int - 1) AS p
           WHERE NOT EXISTS (SELECT 1 FROM log_partition WHERE topic = $1)
           ON CONFLICT DO NOTHING`,
          [name, partitions],
        )
      }
    },
    async endOffsets(topic: string) {
      const rows: { partition: number; next: string }[] = await db.query(
        'SELECT partition, next_offset AS next FROM log_partition WHERE topic = $1',
        [topic],
      )
      return new Map(rows.map((r) => [r.partition, BigInt(r.next)]))
    },

    async producer() {
      const producer = embeddedProducer(db)
      open.push(producer)
      return producer
    },
    async consumer(group: string) {
      const consumer = embeddedConsumer({ db, logger, group, pollIntervalMs, maxBatchRecords })
      open.push(consumer)
      return consumer
    },
    async close() {
      await Promise.allSettled(open.map((c) => c.close()))
    },
  }
}

/**
 * The partition of a keyed record: Kafka's default partitioner (the Java client's and kafkajs'), murmur2 of the
 * key's UTF-8 bytes made non-negative, modulo the partition count. A key lands on the same partition number
 * under either log.
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions
}

/** MurmurHash2, 32-bit, seed 0x9747b28c, as Kafka's partitioner computes it. */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ data.length) | 0
  const tail = data.length & ~3
  for (let i = 0; i < tail; i += 4) {
    let k = data.readInt32LE(i)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = data.length & 3
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16
    if (rest >= 2) h ^= data[tail + 1] << 8
    h ^= data[tail]
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h
}

/**
 * Wakes this process's consumers when a send commits, so local records arrive without waiting for a poll. One
 * channel for the process, since the ingester and the projector may each hold their own Log over the same
 * database; a consumer woken by an append to another database only looks once more.
 */
const appended = new EventEmitter().setMaxListeners(0)

function embeddedProducer(db: DataSource): LogProducer {
  const partitionCounts = new Map<string, number>()
  const roundRobin = new Map<string, number>()
  let previous: Promise<void> = Promise.resolve()

  async function partitionCount(topic: string): Promise<number> {
    let count = partitionCounts.get(topic)
    if (count === undefined) {
      const [row] = await db.query('SELECT count(*)::int AS count FROM log_partition WHERE topic = $1', [topic])
      if (row.count === 0) throw new Error(`embedded log: topic ${topic} does not exist (ensureTopics creates it)`)
      count = row.count as number
      partitionCounts.set(topic, count)
    }
    return count
  }

  /** Keyed records by their key's hash; records without a key in turn over the partitions, as kafkajs does. */
  function partitionOf(topic: string, record: OutgoingRecord, partitions: number): number {
    if (record.key !== null) return partitionForKey(record.key, partitions)
    const next = roundRobin.get(topic) ?? 0
    roundRobin.set(topic, next + 1)
    return next % partitions
  }

  async function append(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return
    const partitions = await partitionCount(topic)
    const assigned = records.map((record) => ({ record, partition: partitionOf(topic, record, partitions) }))
    const touched = [...new Set(assigned.map((a) => a.partition))].sort((a, b) => a - b)
    // One short transaction: lock the partitions' rows (in partition order, so concurrent sends cannot
    // deadlock), append with the next offsets, advance them. Commit order is offset order within a partition.
    await db.transaction(async (em) => {
      const rows: { partition: number; next_offset: string }[] = await em.query(
        `SELECT partition, next_offset FROM log_partition WHERE topic = $1 AND partition = ANY($2::int[])
         ORDER BY partition FOR UPDATE`,
        [topic, touched],
      )
      const next = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]))
      const offsets = assigned.map(({ partition }) => {
        const offset = next.get(partition)!
        next.set(partition, offset + 1n)
        return offset.toString()
      })
      await em.query(
        `INSERT INTO log_record (topic, partition, "offset", key, value, headers)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::bytea[], $6::jsonb[])`,
        [
          topic,
          assigned.map((a) => a.partition),
          offsets,
          assigned.map((a) => a.record.key),
          assigned.map((a) => a.record.value),
          assigned.map((a) => JSON.stringify(a.record.headers ?? {})),
        ],
      )
      await em.query(
        `UPDATE log_partition p SET next_offset = n.next_offset
         FROM unnest($2::int[], $3::bigint[]) AS n(partition, next_offset)
         WHERE p.topic = $1 AND p.partition = n.partition`,
        [topic, [...next.keys()], [...next.values()].map(String)],
      )
    })
    appended.emit('append', topic)
  }

  return {
    // Sends are appended one after another in call order, like the Kafka producer with one request in flight.
    send(topic, records) {
      const sent = previous.then(() => append(topic, records))
      previous = sent.catch(() => {})
      return sent
    },
    close: () => previous,
  }
}

interface ConsumerContext {
  db: DataSource
  logger: Logger
  group: string
  pollIntervalMs: number
  maxBatchRecords: number
}

const MAX_RETRY_DELAY_MS = 5_000

/**
 * A consumer reads every partition of its topics: there is no group coordinator, so run one consumer per group
 * (the projector's offset lock keeps a second one harmless, only wasteful). Positions live in memory and start
 * from `startOffset`, the consumer's own durable store.
 */
function embeddedConsumer(ctx: ConsumerContext): LogConsumer {
  const { db, logger, group, pollIntervalMs, maxBatchRecords } = ctx
  let stopped = false
  let running: Promise<void> | undefined
  let topics = new Set<string>()
  let appendsSeen = 0
  let sleeping: { wake(): void; wakeOnAppend: boolean } | undefined
  const onAppend = (topic: string) => {
    if (!topics.has(topic)) return
    appendsSeen++
    if (sleeping?.wakeOnAppend) sleeping.wake()
  }

  /** Sleeps for `ms`, cut short by close() and, if `wakeOnAppend`, by a local append to one of our topics. */
  function sleep(ms: number, wakeOnAppend: boolean): Promise<void> {
    if (stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(wake, ms)
      function wake() {
        clearTimeout(timer)
        sleeping = undefined
        resolve()
      }
      sleeping = { wake, wakeOnAppend }
    })
  }

  /** The next offset to deliver per partition ("topic/partition"), from the store's position on first use. */
  const positions = new Map<string, bigint>()
  const paused = new Set<string>()

  async function consume(options: ConsumeOptions): Promise<void> {
    let retryDelay = 0
    while (!stopped) {
      const appendsBefore = appendsSeen
      try {
        const delivered = await deliverRound(options)
        retryDelay = 0
        // An append that committed while this round ran may have been missed by its reads: look again at once.
        if (!delivered && appendsSeen === appendsBefore) await sleep(pollIntervalMs, true)
      } catch (err) {
        if (stopped) break // closed while `handle` failed: the batch stays unacknowledged, as on a crash
        // Never skip: the failed batch is read again from the same position after a pause.
        retryDelay = Math.min(Math.max(retryDelay * 2, 250), MAX_RETRY_DELAY_MS)
        logger.warn({ err, group, retryInMs: retryDelay }, 'embedded log: delivering a batch failed; retrying')
        await sleep(retryDelay, false)
      }
    }
  }

  /** One batch from each partition that has records past its position; false when there were none. */
  async function deliverRound(options: ConsumeOptions): Promise<boolean> {
    const partitions: { topic: string; partition: number; next_offset: string }[] = await db.query(
      'SELECT topic, partition, next_offset FROM log_partition WHERE topic = ANY($1::text[]) ORDER BY topic, partition',
      [options.topics],
    )
    let delivered = false
    for (const { topic, partition, next_offset } of partitions) {
      if (stopped) break
      const id = `${topic}/${partition}`
      if (paused.has(id)) continue
      let position = positions.get(id)
      if (position === undefined) {
        position = (await options.startOffset(topic, partition)) ?? 0n
        positions.set(id, position)
      }
      if (BigInt(next_offset) <= position) continue
      const records = await readBatch(topic, partition, position)
      if (records.length === 0) continue
      try {
        await options.handle({ topic, partition, records })
      } catch (err) {
        if (!(err instanceof Rewind)) throw err
        logger.warn({ group, topic, partition, offset: String(err.offset) }, err.message)
        positions.set(id, err.offset)
        delivered = true
        continue
      }
      positions.set(id, records[records.length - 1].offset + 1n)
      delivered = true
    }
    return delivered
  }

  async function readBatch(topic: string, partition: number, from: bigint): Promise<LogRecord[]> {
    const rows: { offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }[] =
      await db.query(
        `SELECT "offset", key, value, headers FROM log_record
         WHERE topic = $1 AND partition = $2 AND "offset" >= $3 ORDER BY "offset" LIMIT $4`,
        [topic, partition, from.toString(), maxBatchRecords],
      )
    return rows.map((r) => ({ topic, partition, offset: BigInt(r.offset), key: r.key, value: r.value, headers: r.headers }))
  }

  return {
    async start(options: ConsumeOptions) {
      if (running) throw new Error('embedded log: consumer already started')
      topics = new Set(options.topics)
      appended.on('append', onAppend)
      running = consume(options)
    },
    seek(topic, partition, offset) {
      positions.set(`${topic}/${partition}`, offset)
      sleeping?.wake()
    },
    pause(topic, partition) {
      paused.add(`${topic}/${partition}`)
    },
    resume(topic, partition) {
      if (paused.delete(`${topic}/${partition}`)) sleeping?.wake()
    },
    async close() {
      stopped = true
      sleeping?.wake()
      appended.off('append', onAppend)
      await running
    },
  }
}
