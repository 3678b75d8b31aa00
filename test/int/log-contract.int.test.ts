// One contract, three logs: what the projector relies on (per-partition order, offsets, starting at its own
// stored position, redelivery of what it never acknowledged) must hold alike on Kafka, on the embedded log over
// PostgreSQL and on the embedded log over PGlite, so the projector cannot tell them apart.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openDatabase } from '../../src/db/data-source.js'
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js'
import { createEmbeddedLog, partitionForKey } from '../../src/log/embedded-log.js'
import { createKafkaLog } from '../../src/log/kafka-log.js'
import type { Log, LogConsumer, LogRecord, OutgoingRecord, PartitionBatch } from '../../src/log/log.js'
import { createLogger } from '../../src/logger.js'
import { openJournalReader, type OffsetRange } from '../../src/project/journal-reader.js'
import { createTestDatabase } from '../support/database.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const logger = createLogger('silent')
const WAIT_MS = 20_000

/** A running log plus a way to open another client of the same log (as a second process would). */
interface LogUnderTest {
  log: Log
  another(): Promise<Log>
  close(): Promise<void>
}

async function kafkaLog(): Promise<LogUnderTest> {
  const logs: Log[] = []
  const open = async () => {
    const log = createKafkaLog({ brokers: services.kafkaBrokers.split(','), clientId: `log-contract-${unique()}`, logger })
    logs.push(log)
    return log
  }
  return { log: await open(), another: open, close: async () => void (await Promise.all(logs.map((l) => l.close()))) }
}

async function embeddedLog(url: string, dispose: () => Promise<void>): Promise<LogUnderTest> {
  const databases: DataSource[] = []
  const logs: Log[] = []
  const open = async () => {
    const db = await openDatabase(url)
    databases.push(db)
    const log = createEmbeddedLog({ db, logger, pollIntervalMs: 100 })
    logs.push(log)
    return log
  }
  return {
    log: await open(),
    another: open,
    async close() {
      await Promise.all(logs.map((l) => l.close()))
      await Promise.all(databases.map((d) => d.destroy()))
      await dispose()
    },
  }
}

const implementations: [string, () => Promise<LogUnderTest>][] = [
  ['Kafka', kafkaLog],
  ['embedded log on PostgreSQL', async () => {
    const database = await createTestDatabase(services.dbUrl)
    return embeddedLog(database.url, database.drop)
  }],
  ['embedded log on PGlite', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'attrib-log-contract-'))
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), logger })
    return embeddedLog(server.url, async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    })
  }],
]

describe.each(implementations)('log contract: %s', (_name, open) => {
  let subject: LogUnderTest
  const cleanups: (() => Promise<void>)[] = []

  beforeAll(async () => {
    subject = await open()
  })
  afterAll(async () => {
    // Together at the end: a kafkajs consumer takes its fetch wait (5 s by default) to close.
    await Promise.all(cleanups.map((cleanup) => cleanup()))
    await subject?.close()
  })

  async function topic(partitions: number): Promise<string> {
    const name = `contract-${unique()}`
    await subject.log.ensureTopics([{ name, partitions }])
    return name
  }

  async function send(topicName: string, records: OutgoingRecord[], log = subject.log): Promise<void> {
    const producer = await log.producer()
    try {
      await producer.send(topicName, records)
    } finally {
      await producer.close()
    }
  }

  /**
   * Consumes like the projector: positions in its own store (`stored`), advanced only when `handle` succeeds.
   * `received` lists what was acknowledged, `attempts` every batch as delivered.
   */
  async function consume(topics: string[], options: {
    stored?: Map<string, bigint>
    group?: string
    handle?: (batch: PartitionBatch) => Promise<void>
    log?: Log
  } = {}) {
    const stored = options.stored ?? new Map<string, bigint>()
    const received: LogRecord[] = []
    const attempts: PartitionBatch[] = []
    const consumer: LogConsumer = await (options.log ?? subject.log).consumer(options.group ?? `group-${unique()}`)
    let closed = false
    const close = async () => {
      if (closed) return
      closed = true
      await consumer.close()
    }
    cleanups.push(close)
    await consumer.start({
      topics,
      startOffset: async (t, p) => stored.get(`${t}/${p}`),
      handle: async (batch) => {
        attempts.push(batch)
        await options.handle?.(batch)
        received.push(...batch.records)
        stored.set(`${batch.topic}/${batch.partition}`, batch.records[batch.records.length - 1].offset + 1n)
      },
    })
    const until = (count: number) =>
      eventually(async () => (received.length >= count ? received : undefined), WAIT_MS, `${count} records (have ${received.length})`)
    return { received, attempts, stored, until, close, consumer }
  }

  it('delivers each partition in order with consecutive offsets from 0, a key always on one partition', async () => {
    const t = await topic(3)
    const sent = records(0, 30)
    for (let i = 0; i < sent.length; i += 10) await send(t, sent.slice(i, i + 10))

    const { received, until } = await consume([t])
    await until(sent.length)

    expect(received).toHaveLength(sent.length)
    const partitions = byPartition(received)
    expect(partitions.size).toBeGreaterThan(1)
    for (const [partition, rs] of partitions) {
      expect(rs.map((r) => r.offset)).toEqual(rs.map((_, i) => BigInt(i)))
      expect(rs.map((r) => r.value)).toEqual(sent.filter((s) => partitionOf(received, s) === partition).map((s) => s.value))
    }
    for (const key of new Set(sent.map((s) => s.key))) {
      expect(new Set(received.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1)
    }
    const first = received.find((r) => r.headers.seq === '0')!
    expect([first.key, first.value, first.headers]).toEqual([sent[0].key, sent[0].value, sent[0].headers])
  })

  it("places a keyed record on the partition Kafka's default partitioner picks", async () => {
    const t = await topic(5)
    const keys = Array.from({ length: 20 }, (_, i) => `model:${i * 31}`)
    await send(t, keys.map((key) => ({ key, value: Buffer.from(key) })))
    const { received, until } = await consume([t])
    await until(keys.length)
    expect(received.map((r) => [r.key, r.partition]).sort()).toEqual(keys.map((k) => [k, partitionForKey(k, 5)]).sort())
  })

  it('delivers a long partition (several embedded batches) completely and in order', async () => {
    const t = await topic(1)
    const sent = records(0, 1_200, 1)
    await send(t, sent)
    const { received, until } = await consume([t])
    await until(sent.length)
    expect(received.map((r) => r.offset)).toEqual(sent.map((_, i) => BigInt(i)))
    expect(received.map((r) => r.value)).toEqual(sent.map((s) => s.value))
  })

  it("takes one send larger than the broker's 1 MB record batch limit, delivering it whole and in order", async () => {
    const t = await topic(1)
    const sent = Array.from({ length: 3_000 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(700, i % 251), headers: { seq: String(i) } }))
    await send(t, sent)
    const { received, until } = await consume([t])
    await until(sent.length)
    expect(received.map((r) => r.headers.seq)).toEqual(sent.map((s) => s.headers.seq))
    expect(received.every((r, i) => r.value!.equals(sent[i].value))).toBe(true)
  })

  it("starts each partition at the consumer's stored offset, and at 0 where it has none", async () => {
    const t = await topic(2)
    // One key per partition ('left-0' hashes to 1, 'right-0' to 0); the consumer has stored 4 for 'left'.
    await send(t, [...records(0, 10, 1, 'left'), ...records(10, 10, 1, 'right')])
    const leftPartition = partitionForKey('left-0', 2)
    expect(partitionForKey('right-0', 2)).toBe(1 - leftPartition)
    const stored = new Map([[`${t}/${leftPartition}`, 4n]])

    const { received, until } = await consume([t], { stored })
    await until(16)

    expect(received).toHaveLength(16)
    const partitions = byPartition(received)
    expect(partitions.get(leftPartition)!.map((r) => r.offset)).toEqual([4n, 5n, 6n, 7n, 8n, 9n])
    expect(partitions.get(1 - leftPartition)!.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)))
  })

  it('delivers records sent after the consumer started, from this client and from another', async () => {
    const t = await topic(2)
    const { received, until } = await consume([t])
    await send(t, records(0, 5))
    await until(5)
    await send(t, records(5, 5), await subject.another())
    await until(10)
    expect(received.map((r) => r.headers.seq).sort()).toEqual(records(0, 10).map((r) => r.headers!.seq).sort())
  })

  it('delivers a batch again when handling it failed, skipping nothing', async () => {
    const t = await topic(1)
    await send(t, records(0, 8, 1))
    let failures = 0
    const { received, attempts, until } = await consume([t], {
      handle: async () => {
        if (failures++ === 0) throw new Error('the projection transaction rolled back')
      },
    })
    await until(8)
    expect(received.map((r) => r.offset)).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(i)))
    expect(attempts[1].records.map((r) => r.offset)).toEqual(attempts[0].records.map((r) => r.offset))
  })

  it('redelivers to a new consumer what a crashed one never acknowledged', async () => {
    const t = await topic(1)
    const sent = records(0, 10, 1)
    await send(t, sent)
    const group = `group-${unique()}`
    const stored = new Map([[`${t}/0`, 3n]])

    // The first consumer dies inside `handle`, before its store records anything.
    let crash!: (err: Error) => void
    const first = await consume([t], {
      group,
      stored,
      handle: () => new Promise((_, reject) => { crash = reject }),
    })
    await eventually(async () => (first.attempts.length > 0 ? true : undefined), WAIT_MS, 'the first delivery')
    const closing = first.close()
    crash(new Error('process killed'))
    await closing
    expect(first.received).toHaveLength(0)
    expect(stored.get(`${t}/0`)).toBe(3n)
    expect(first.attempts[0].records[0].offset).toBe(3n)

    const second = await consume([t], { group, stored })
    await second.until(7)
    expect(second.received.map((r) => r.offset)).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n])
    expect(second.received.map((r) => r.value)).toEqual(sent.slice(3).map((s) => s.value))
  })

  it('creates topics idempotently, keeping the partitions and records of an existing topic', async () => {
    const t = await topic(2)
    await send(t, records(0, 4))
    await subject.log.ensureTopics([{ name: t, partitions: 2 }])
    await subject.log.ensureTopics([{ name: t, partitions: 5 }])

    // Keys that would move under 5 partitions still land where 2 partitions put them.
    const moving = Array.from({ length: 50 }, (_, i) => `moving-${i}`).filter((k) => partitionForKey(k, 5) >= 2)
    await send(t, moving.map((key) => ({ key, value: Buffer.from(key) })))
    const { received, until } = await consume([t])
    await until(4 + moving.length)
    expect(received.filter((r) => r.key?.startsWith('moving-')).map((r) => [r.key, r.partition]).sort())
      .toEqual(moving.map((k) => [k, partitionForKey(k, 2)]).sort())
    expect(received.filter((r) => r.key?.startsWith('key-'))).toHaveLength(4)
  })

  it('resolves send only once the records are durable: another client reads them at once', async () => {
    const t = await topic(1)
    await send(t, records(0, 25, 1))
    const reader = await subject.another()
    const { received, until } = await consume([t], { log: reader })
    await until(25)
    expect(received.map((r) => r.offset)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)))
  })

  it('delivers nothing of a paused partition until it is resumed, while the others go on', async () => {
    const t = await topic(2)
    await send(t, records(0, 20))
    const { received, until, consumer } = await consume([t])
    await until(20)
    const first = byPartition(received)
    expect([...first.keys()].sort()).toEqual([0, 1]) // both partitions have records to withhold or deliver
    consumer.pause(t, 0)
    await send(t, records(20, 20))
    const ends = await subject.log.endOffsets(t)
    const count = (partition: number) => byPartition(received).get(partition)?.length ?? 0
    await eventually(async () => (count(1) === Number(ends.get(1)) ? true : undefined), WAIT_MS, 'partition 1 delivered')
    expect(count(0)).toBe(first.get(0)!.length)
    consumer.resume(t, 0)
    await until(40)
    expect(count(0)).toBe(Number(ends.get(0)))
  })

  it('hands a replay journaled ranges in the journal order, reading little ahead and never deadlocking', async () => {
    const t = await topic(3)
    await send(t, records(0, 240))
    const ends = await subject.log.endOffsets(t)
    // The journal takes partition 2 first, then 0 and 1 in turns: the reader must hold those back, not stall.
    const ranges: OffsetRange[] = []
    const cut = (partition: number, size: number) => {
      const list: OffsetRange[] = []
      for (let first = 0n; first < ends.get(partition)!; first += BigInt(size)) {
        const last = first + BigInt(size) - 1n
        list.push({ topic: t, partition, first, last: last < ends.get(partition)! ? last : ends.get(partition)! - 1n })
      }
      return list
    }
    ranges.push(...cut(2, 7))
    const [zero, one] = [cut(0, 5), cut(1, 3)]
    for (let i = 0; i < Math.max(zero.length, one.length); i++) ranges.push(...zero.slice(i, i + 1), ...one.slice(i, i + 1))

    const reader = await openJournalReader(subject.log, `replay-${unique()}`, ranges, { aheadBytesPerPartition: 32 })
    cleanups.push(() => reader.close())
    const taken: LogRecord[][] = []
    for (const range of ranges) taken.push(await reader.take(range))

    taken.forEach((batch, i) => {
      const { partition, first, last } = ranges[i]
      expect(batch.map((r) => [r.partition, r.offset])).toEqual(
        Array.from({ length: Number(last - first) + 1 }, (_, k) => [partition, first + BigInt(k)]),
      )
    })
    const { received, until } = await consume([t])
    await until(240)
    const byPosition = (r: LogRecord) => `${r.partition}/${r.offset}`
    expect(taken.flat().map((r) => [byPosition(r), r.value]).sort()).toEqual(received.map((r) => [byPosition(r), r.value]).sort())
  })
})

function unique(): string {
  return randomBytes(5).toString('hex')
}

/** `count` records numbered from `from`, over `keys` keys; binary values so bytes must round-trip exactly. */
function records(from: number, count: number, keys = 7, prefix = 'key'): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${(from + i) % keys}`,
    value: Buffer.concat([Buffer.from([0, 0xff]), Buffer.from(String(from + i))]),
    headers: { seq: String(from + i) },
  }))
}

function byPartition(received: LogRecord[]): Map<number, LogRecord[]> {
  const map = new Map<number, LogRecord[]>()
  for (const r of received) map.set(r.partition, [...(map.get(r.partition) ?? []), r])
  return map
}

function partitionOf(received: LogRecord[], sent: OutgoingRecord): number | undefined {
  return received.find((r) => r.headers.seq === sent.headers!.seq)?.partition
}
