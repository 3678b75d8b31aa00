import { Kafka, logLevel as KafkaLogLevel, type Consumer, type IHeaders, type Producer } from 'kafkajs'
import type { Logger } from 'pino'
import { Rewind, type ConsumeOptions, type Log, type LogConsumer, type LogProducer, type LogRecord, type OutgoingRecord, type TopicSpec } from './log.js'
import { retryForever } from './retry.js'

/**
 * The log on Apache Kafka (kafkajs). kafkajs has had no release since 2023, so nothing outside this file
 * imports it: a maintained client can replace it here alone.
 */
export function createKafkaLog(options: { brokers: string[]; clientId: string; logger: Logger }): Log {
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      const level = entry.level <= KafkaLogLevel.ERROR ? 'error' : entry.level === KafkaLogLevel.WARN ? 'warn' : 'debug'
      options.logger[level]({ kafka: entry.namespace, ...entry.log }, entry.log.message)
    },
  })
  const admin = kafka.admin()
  let adminConnected: Promise<void> | undefined
  const open: { close(): Promise<void> }[] = []

  async function connectedAdmin() {
    adminConnected ??= admin.connect()
    await adminConnected
    return admin
  }

  return {
    async ensureTopics(topics: TopicSpec[]) {
      const a = await connectedAdmin()
      const existing = new Set(await a.listTopics())
      const missing = topics.filter((t) => !existing.has(t.name))
      if (missing.length === 0) return
      await a.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
      })
    },

    async endOffsets(topic: string) {
      const offsets = await (await connectedAdmin()).fetchTopicOffsets(topic)
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]))
    },

    async producer() {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
      await producer.connect()
      const wrapped = kafkaProducer(producer)
      open.push(wrapped)
      return wrapped
    },

    async consumer(group: string) {
      const consumer = kafka.consumer({
        groupId: group,
        allowAutoTopicCreation: false,
        maxBytesPerPartition: 4 << 20,
        maxWaitTimeInMs: 500, // bounds how long close() waits for an idle fetch
        // A crashed member holds its partitions until its session times out: 10 s rather than kafkajs' 30 s.
        sessionTimeout: 10_000,
        heartbeatInterval: 3_000,
      })
      await consumer.connect()
      const wrapped = kafkaConsumer(consumer, connectedAdmin, options.logger)
      open.push(wrapped)
      return wrapped
    },

    async close() {
      await Promise.allSettled(open.map((c) => c.close()))
      if (adminConnected) await admin.disconnect()
    },
  }
}

/**
 * A request's records become one record batch per partition, which the broker refuses above its
 * `message.max.bytes` (1 MB by default): a long send goes out as requests of at most this many bytes, in order.
 */
const MAX_REQUEST_BYTES = 512 * 1024
/** Kafka's per-record framing (lengths, varints, offsets deltas), counted generously. */
const RECORD_OVERHEAD_BYTES = 64

function* requestsOf(records: OutgoingRecord[]): Generator<OutgoingRecord[]> {
  let chunk: OutgoingRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.key ?? '') + record.value.length +
      Object.entries(record.headers ?? {}).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
    if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(record)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}

function kafkaProducer(producer: Producer): LogProducer {
  return {
    async send(topic, records) {
      for (const chunk of requestsOf(records)) {
        await producer.send({
          topic,
          acks: -1,
          messages: chunk.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })
      }
    },
    close: () => producer.disconnect(),
  }
}

function kafkaConsumer(consumer: Consumer, connectedAdmin: () => Promise<ReturnType<Kafka['admin']>>, logger: Logger): LogConsumer {
  return {
    async start(options: ConsumeOptions) {
      // The consumer's own store holds the truth about its position; Kafka's committed offsets only trail it
      // (committed after the store), so on every assignment we seek to the store's position.
      // kafkajs starts fetching before this (async) listener is done: pause the assigned partitions until seeked.
      consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
        const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions }))
        consumer.pause(assigned)
        try {
          const admin = await connectedAdmin()
          for (const { topic, partitions } of assigned) {
            const watermarks = await admin.fetchTopicOffsets(topic)
            for (const partition of partitions) {
              // The store may be down for a while (a database restart): the partition stays paused until it answers.
              const stored = await retryForever(`reading the stored position of ${topic}/${partition}`, () => options.startOffset(topic, partition), { logger })
              const low = watermarks.find((w) => w.partition === partition)?.low ?? '0'
              consumer.seek({ topic, partition, offset: String(stored ?? BigInt(low)) })
            }
          }
        } finally {
          consumer.resume(assigned)
        }
      })
      await consumer.subscribe({ topics: options.topics, fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrentPartitions ?? 1,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return
          const records: LogRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: BigInt(m.offset),
            key: m.key?.toString('utf8') ?? null,
            value: m.value,
            headers: decodeHeaders(m.headers),
          }))
          try {
            await options.handle({ topic: batch.topic, partition: batch.partition, records })
          } catch (err) {
            if (!(err instanceof Rewind)) throw err
            logger.warn({ topic: err.topic, partition: err.partition, offset: String(err.offset) }, err.message)
            consumer.seek({ topic: err.topic, partition: err.partition, offset: String(err.offset) })
            return
          }
          resolveOffset(batch.lastOffset())
          await commitOffsetsIfNecessary()
        },
      })
    },
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset: String(offset) }),
    pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
    resume: (topic, partition) => consumer.resume([{ topic, partitions: [partition] }]),
    close: () => consumer.disconnect(),
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value != null) out[name] = Array.isArray(value) ? value.join(',') : value.toString()
  }
  return out
}
