// `attrib replay` swaps a rebuilt projection in for the live one. Everything it did not rebuild must come through
// unchanged: the tables that are not the projection (the ingesters' cursors and bookkeeping) and the positions
// other consumers keep in consumer_offset, such as the usage ingester's reader of the raw topic, whose loss would
// make it read the whole raw topic again.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { backlog, NODE_ADDRESS } from '../../bench/generate.js'
import { waitUntilDrained } from '../../bench/measure.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createKafkaLog } from '../../src/log/kafka-log.js'
import { createLogger } from '../../src/logger.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { freePort } from '../support/net.js'
import { eventually, startCli, type CliProcess } from '../support/processes.js'

const services = inject('services')
const SHAPE = { inferences: 300, epochBlocks: 200, epochs: 2, chainId: 31337 }

describe('replay switch-over', () => {
  const id = randomBytes(4).toString('hex')
  const namespace = `rso-${id}`
  const group = `g-${id}`
  const rawGroup = `raw-${id}`
  const ends = new Map<string, bigint>()
  const processes: CliProcess[] = []
  let database: Awaited<ReturnType<typeof createTestDatabase>>

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    const log = createKafkaLog({ brokers: services.kafkaBrokers.split(','), clientId: 'replay-switch-test', logger: createLogger('warn') })
    try {
      const topics = { chain: `${namespace}.chain.${SHAPE.chainId}`, usage: `${namespace}.usage` }
      await log.ensureTopics([
        { name: topics.chain, partitions: 1 },
        { name: topics.usage, partitions: 4 },
        { name: `${namespace}.deadletter`, partitions: 1 },
        { name: `${namespace}.usage.raw`, partitions: 1 },
      ])
      const producer = await log.producer()
      const records = { chain: [] as Parameters<typeof producer.send>[1], usage: [] as Parameters<typeof producer.send>[1] }
      for (const { topic, record } of backlog(SHAPE)) records[topic].push(record)
      await producer.send(topics.chain, records.chain)
      await producer.send(topics.usage, records.usage)
      // Two messages on the raw topic for the usage ingester's reader (malformed: dead-lettered, and projected as such).
      await producer.send(`${namespace}.usage.raw`, [{ key: null, value: Buffer.from('{"not":"a usage record"}') }, { key: null, value: Buffer.from('[]') }])
      for (const topic of [topics.chain, topics.usage]) {
        for (const [partition, end] of await log.endOffsets(topic)) ends.set(`${topic}/${partition}`, end)
      }
    } finally {
      await log.close()
    }
  }, 120_000)

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()))
    await database?.drop()
  })

  it('keeps the raw reader’s offsets and every table that is not the projection', async () => {
    const env = {
      DB_URL: database.url,
      KAFKA_BROKERS: services.kafkaBrokers,
      TOPIC_NAMESPACE: namespace,
      PROJECTOR_GROUP: group,
      CHAIN_ID: String(SHAPE.chainId),
      EPOCH_BLOCKS: String(SHAPE.epochBlocks),
      INFERENCE_NODE_REGISTRY_ADDRESS: NODE_ADDRESS,
      USAGE_RAW_GROUP: rawGroup,
      USAGE_PORT: String(await freePort()),
      METRICS_PORT: '0',
    }
    await (await openDatabase(database.url, { poolSize: 2 })).destroy() // migrated once, before the services start
    const usage = startCli('ingest-usage', env)
    const projector = startCli('project', env)
    processes.push(usage, projector)
    const rawOffset = () =>
      withClient(database.url, async (c) => (await c.query('SELECT next_offset FROM consumer_offset WHERE group_id = $1', [rawGroup])).rows[0]?.next_offset)
    await eventually(async () => ((await rawOffset()) === '2' ? true : undefined), 120_000, 'the raw reader past both messages').catch((err) => {
      throw new Error(`${err.message}\n${usage.output().slice(-3000)}`)
    })
    await waitUntilDrained({ dbUrl: database.url, group, ends, isAlive: () => projector.child.exitCode == null, diagnostics: () => projector.output() })
    await usage.stop()
    await projector.stop()
    const before = await notProjection(database.url, group)
    expect(before.consumer_offset).toContain(rawGroup)

    const replay = spawnSync(process.execPath, ['lib/cli.js', 'replay'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8' })
    expect(replay.status, replay.stderr).toBe(0)
    const result = JSON.parse(replay.stdout)
    expect(result.switched).toBe(true)
    expect(result.replayDigest).toBe(result.liveDigest)
    expect(await notProjection(database.url, group)).toEqual(before)
    expect(await rawOffset()).toBe('2')
  }, 300_000)
})

/**
 * Every table of `public` that the replay does not rebuild, as text: the entity tables (the projection), the
 * projector's bookkeeping (applied events, finality, undo log, dead letters, its journal, the change token) and typeorm's own are
 * left out; consumer_offset without the replayed group's rows.
 */
async function notProjection(dbUrl: string, group: string): Promise<Record<string, string>> {
  const db = await openDatabase(dbUrl, { poolSize: 2 })
  try {
    const rebuilt = new Set([...db.entityMetadatas.map((m) => m.tableName), 'applied_event', 'chain_state', 'chain_progress', 'deferred_join', 'undo_log', 'dead_letter', 'projection_journal', 'projection_change', 'migrations'])
    const tables: { name: string }[] = await db.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
    const state: Record<string, string> = {}
    for (const { name } of tables.filter((t) => !rebuilt.has(t.name))) {
      const where = name === 'consumer_offset' ? `WHERE group_id <> '${group}'` : ''
      const [row] = await db.query(`SELECT coalesce(string_agg(to_jsonb(t)::text, E'\\n' ORDER BY to_jsonb(t)::text), '') AS rows FROM public."${name}" t ${where}`)
      state[name] = row.rows
    }
    return state
  } finally {
    await db.destroy()
  }
}
