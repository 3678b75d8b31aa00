import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/data-source.js'
import type { Envelope } from '../src/domain/envelope.js'
import { createKafkaLog } from '../src/log/kafka-log.js'
import { USAGE_PARTITIONS } from '../src/log/topics.js'
import { createLogger } from '../src/logger.js'
import { projectionDigest } from '../src/project/digest.js'
import { DEFAULT_DB_URL } from '../src/settings.js'
import { addBaselineIndexes, applyBaselineBatch } from './baseline.js'
import { ATTRIBUTIONS_PER_INFERENCE, backlog, type BacklogShape } from './generate.js'
import { cpuProfileArgs, median, sampleRss, startAttrib, waitUntilDrained } from './measure.js'
import { measureGraphql, measureGraphqlUnderWriteLoad, type GraphqlResults } from './graphql.js'
import { measureChainIngestion, type ChainIngestionResult } from './chain-ingestion.js'
import { statementProfile, type StatementTime } from './pg-statements.js'
import { measureWriteLimits, type WriteLimits } from './write-limits.js'
import { measureUsageIngestion, usageIngestionRows, type UsageIngestionResult } from './usage-ingestion.js'
import { ensureKafka } from '../test/services/kafka.js'
import { createTestDatabase } from '../test/support/database.js'
import { deleteTopics, postgresVersion } from './services.js'

const HELP = `npm run bench -- [--inferences N] [--runs R] [--smoke] [--cpu-prof] [--keep]
  --inferences N  settled inferences in the backlog, each with a usage record of ${ATTRIBUTIONS_PER_INFERENCE} attributions (default 1000000)
  --runs R        projector and baseline runs; the median is reported (default 3)
  --smoke         2000 inferences, 1 run: checks the harness still works (CI)
  --cpu-prof      run the projector and the replay under node --cpu-prof (profiles in bench/results/profiles/)
  --keep          keep the databases and topics afterwards
  --projection-only  stop after the projector runs, keeping the last one's database (printed) for graphql.js or the explorer
  --through-replay   stop after the replay of the last run (its rebuild rate, digests and peak RSS printed)
  --graphql-seconds N  autocannon time per GraphQL query, 50 connections, on the last run's projection (default 20; 3 with --smoke)
  --chain-blocks N     chain ingestion: blocks of protocol events pre-filled on a private anvil (default 500; 20 with --smoke)
  --chain-events-per-block E  protocol events (transactions) per pre-filled block (default 100; 20 with --smoke)
  --graphql-workers N  GQL_WORKERS of the API under load (default: the machine's cores)
  --projector-concurrency N   partitions the projector applies at once (PROJECTOR_CONCURRENCY; default 1)
  --usage-records N    usage ingestion: signed records sent through attrib ingest-usage, a third each over HTTP, the folder and the raw topic (default 60000; 3000 with --smoke)
  --flood-seconds N    usage ingestion: seconds of forged-record flood while a node posts (default 15; 3 with --smoke)
Services as for the tests: KAFKA_BROKERS (default 127.0.0.1:9092, must be running), DB_URL (default ${DEFAULT_DB_URL}).`

const { values: flags } = parseArgs({
  options: {
    inferences: { type: 'string' },
    runs: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'projection-only': { type: 'boolean', default: false },
    'through-replay': { type: 'boolean', default: false },
    'graphql-seconds': { type: 'string' },
    'chain-blocks': { type: 'string' },
    'chain-events-per-block': { type: 'string' },
    'projector-concurrency': { type: 'string' },
    'graphql-workers': { type: 'string' },
    'usage-records': { type: 'string' },
    'flood-seconds': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (flags.help) {
  console.log(HELP)
  process.exit(0)
}

const shape: BacklogShape = {
  inferences: Number(flags.inferences ?? (flags.smoke ? 2_000 : 1_000_000)),
  epochBlocks: 10_000,
  epochs: 5,
  chainId: 31337,
}
const runs = Number(flags.runs ?? (flags.smoke ? 1 : 3))
const graphqlSeconds = Number(flags['graphql-seconds'] ?? (flags.smoke ? 3 : 20))
const graphqlWorkers = Number(flags['graphql-workers'] ?? os.availableParallelism())
const projectorConcurrency = Number(flags['projector-concurrency'] ?? 1)
const GRAPHQL_CONNECTIONS = 50
// Above about 150 events a block, a 10-block batch of the ingester exceeds the broker's 1 MB message limit, and
// the ingester, which publishes a batch in one request, retries it forever.
const chainShape = {
  blocks: Number(flags['chain-blocks'] ?? (flags.smoke ? 20 : 500)),
  eventsPerBlock: Number(flags['chain-events-per-block'] ?? (flags.smoke ? 20 : 100)),
}
const BASELINE_BATCH = 1_000
const PROJECTOR_HEAP_MB = 192
/** Records per produce request: one record batch must stay under the broker's 1 MB message.max.bytes. */
const PRELOAD_CHUNK = 500
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim())
const adminUrl = process.env.DB_URL ?? DEFAULT_DB_URL
const resultsDir = fileURLToPath(new URL('../../results/', import.meta.url))
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const logger = createLogger('warn', 'bench')
const settings = { ...loadConfig({}).projection, epochBlocks: shape.epochBlocks }
const cleanups: (() => Promise<void>)[] = []
const progress = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)

interface ProjectionRun {
  events: number
  rows: number
  seconds: number
  /** The projector's only: from its "projector started" log line (without node's start, opening the database, creating topics). */
  consumingSeconds?: number
  /** The projector's only (the baseline runs inside the bench process). */
  peakRssBytes?: number
  deadLetters: number
  digest: string
  tables: Record<string, { rows: number; hash: string }>
  /** The projector's only, when PostgreSQL preloads pg_stat_statements: its costliest statements. */
  postgresStatements?: StatementTime[]
}

async function main() {
  // The same broker the tests use: reused when one answers, otherwise started here and stopped at the end.
  const kafka = await ensureKafka({ brokers: brokers.join(',') })
  cleanups.push(() => kafka.stop())
  const namespace = `bench-${randomBytes(4).toString('hex')}`
  const topics = { chain: `${namespace}.chain.${shape.chainId}`, usage: `${namespace}.usage`, deadLetter: `${namespace}.deadletter` }
  if (!flags.keep) cleanups.push(() => deleteTopics(brokers, Object.values(topics)))

  progress(`preloading ${shape.inferences} inferences into Kafka (${namespace})`)
  const preload = await preloadBacklog(topics)
  progress(`preloaded ${preload.events} events in ${preload.seconds.toFixed(1)} s`)

  const live: ProjectionRun[] = []
  let lastLive: { url: string; group: string } | undefined
  for (let run = 1; run <= runs; run++) {
    const result = await projectorRun(namespace, run, preload.ends)
    live.push(result.run)
    lastLive = result.database
    progress(`projector run ${run}: ${rate(result.run.events, result.run.seconds)} events/s`)
  }
  if (flags['projection-only'] || flags['through-replay']) {
    for (const row of postgresTimeRows(live[runs - 1])) console.log(row.join('  '))
  }
  const projectorSummary = `projector: ${rate(live[runs - 1].events, live[runs - 1].seconds)} events/s, peak RSS ${mib(live[runs - 1].peakRssBytes ?? 0)}`
  if (flags['projection-only']) {
    console.log(`${projectorSummary}; projection kept in ${lastLive!.url}`)
    return
  }

  progress('replay of the last run')
  const replay = await replayRun(namespace, lastLive!)
  progress(`replay: rebuilt at ${rate(replay.records, replay.rebuildSeconds)} events/s, ${rate(replay.records, replay.seconds)} events/s end to end, digests ${replay.digestsEqual ? 'equal' : 'DIFFER'}`)
  if (flags['through-replay']) {
    console.log(`${projectorSummary}; replay: ${rate(replay.records, replay.rebuildSeconds)} events/s rebuilt, peak RSS ${mib(replay.peakRssBytes)}, digests ${replay.digestsEqual ? 'equal' : 'DIFFER'}`)
    return
  }

  const limits = await measureWriteLimits({ adminUrl, liveUrl: lastLive!.url, keep: flags.keep, progress })

  // As deployed (the response cache on), then with every request executed, which shows what the queries cost.
  const graphql = []
  for (const responseCache of [true, false]) {
    graphql.push(
      await measureGraphql({ dbUrl: lastLive!.url, seconds: graphqlSeconds, connections: GRAPHQL_CONNECTIONS, responseCache, workers: graphqlWorkers, progress }),
    )
  }

  graphql.push(await graphqlUnderWriteLoad(namespace, preload.ends))

  const baseline: ProjectionRun[] = []
  for (let run = 1; run <= runs; run++) {
    baseline.push(await baselineRun(run))
    progress(`baseline run ${run}: ${rate(baseline[run - 1].events, baseline[run - 1].seconds)} events/s`)
  }

  const chain = await measureChainIngestion({ brokers, adminUrl, ...chainShape, keep: flags.keep, progress })
  progress(`chain ingestion: ${rate(chain.blocksPerSecond)} blocks/s, ${rate(chain.eventsPerSecond)} events/s`)

  const usage = await measureUsageIngestion({
    brokers,
    adminUrl,
    records: Number(flags['usage-records'] ?? (flags.smoke ? 3_000 : 60_000)),
    floodSeconds: Number(flags['flood-seconds'] ?? (flags.smoke ? 3 : 15)),
    keep: flags.keep,
    progress,
  })

  const results = summarise(preload, live, baseline, replay, limits, graphql, chain, usage)
  await mkdir(resultsDir, { recursive: true })
  await writeFile(`${resultsDir}latest.json`, `${JSON.stringify(results, null, 2)}\n`)
  printTable(results)
  console.log(`\nwritten: bench/results/latest.json`)
}

async function preloadBacklog(topics: { chain: string; usage: string; deadLetter: string }) {
  const log = createKafkaLog({ brokers, clientId: 'attrib-bench', logger })
  try {
    await log.ensureTopics([
      { name: topics.chain, partitions: 1 },
      { name: topics.usage, partitions: USAGE_PARTITIONS },
      { name: topics.deadLetter, partitions: 1 },
    ])
    const producer = await log.producer()
    const pending = { chain: [] as Parameters<typeof producer.send>[1], usage: [] as Parameters<typeof producer.send>[1] }
    const started = Date.now()
    const flush = async (topic: 'chain' | 'usage') => {
      await producer.send(topics[topic], pending[topic])
      pending[topic] = []
    }
    for (const { topic, record } of backlog(shape)) {
      pending[topic].push(record)
      if (pending[topic].length >= PRELOAD_CHUNK) await flush(topic)
    }
    await flush('chain')
    await flush('usage')
    const seconds = (Date.now() - started) / 1000
    const ends = new Map<string, bigint>()
    for (const topic of [topics.chain, topics.usage]) {
      for (const [partition, end] of await log.endOffsets(topic)) ends.set(`${topic}/${partition}`, end)
    }
    const events = Number([...ends.values()].reduce((a, b) => a + b, 0n))
    return { ends, events, seconds }
  } finally {
    await log.close()
  }
}

function projectorEnv(namespace: string, dbUrl: string, group: string): Record<string, string> {
  return {
    DB_URL: dbUrl,
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_NAMESPACE: namespace,
    PROJECTOR_GROUP: group,
    PROJECTOR_CONCURRENCY: String(projectorConcurrency),
    CHAIN_ID: String(shape.chainId),
    EPOCH_BLOCKS: String(shape.epochBlocks),
    LOG_LEVEL: 'warn',
    // The heap budget we recommend for the projector (README, "Performance"): V8 otherwise grows its heap
    // lazily towards a quarter of the machine's memory, which reads as a leak in RSS.
    NODE_OPTIONS: `--max-old-space-size=${PROJECTOR_HEAP_MB}`,
  }
}

/** `attrib project` from offset zero into a fresh database until the backlog is applied and its epochs closed. */
async function projectorRun(namespace: string, run: number, ends: Map<string, bigint>) {
  const database = await createTestDatabase(adminUrl, `attrib_bench_live${run}`)
  if (!flags.keep && !flags['projection-only']) cleanups.push(database.drop)
  await (await openDatabase(database.url, { poolSize: 2 })).destroy() // migrate now, so the run measures projection
  const statements = await statementProfile(database.url)
  const group = `${namespace}-run${run}`
  const nodeArgs = flags['cpu-prof'] ? cpuProfileArgs(`${resultsDir}profiles`) : []
  const started = Date.now()
  const projector = startAttrib(['project'], { ...projectorEnv(namespace, database.url, group), LOG_LEVEL: 'info' }, nodeArgs)
  let consumingSince: number | undefined
  createInterface({ input: projector.child.stderr! }).on('line', (line) => {
    if (line.includes('"msg":"projector started"')) consumingSince ??= Date.now()
  })
  const rss = sampleRss(projector.child)
  let drainedAt: number
  try {
    drainedAt = await waitUntilDrained({
      dbUrl: database.url,
      group,
      ends,
      isAlive: () => projector.child.exitCode == null,
      diagnostics: projector.stderr,
    })
  } finally {
    await projector.stop()
  }
  const peakRssBytes = await rss.stop()
  const postgresStatements = await statements?.read(12)
  const state = await projectionState(database.url)
  const events = Number([...ends.values()].reduce((a, b) => a + b, 0n))
  return {
    database: { url: database.url, group },
    run: {
      events,
      ...state,
      seconds: (drainedAt - started) / 1000,
      consumingSeconds: (drainedAt - (consumingSince ?? started)) / 1000,
      peakRssBytes,
      postgresStatements,
    } satisfies ProjectionRun,
  }
}

/** The GraphQL load again, cache off, while `attrib project` drains the backlog into a fresh database the API serves. */
async function graphqlUnderWriteLoad(namespace: string, ends: Map<string, bigint>) {
  const database = await createTestDatabase(adminUrl, 'attrib_bench_write')
  if (!flags.keep) cleanups.push(database.drop)
  await (await openDatabase(database.url, { poolSize: 2 })).destroy()
  const group = `${namespace}-write-load`
  progress('GraphQL under write load: the projector drains the backlog into the database the API serves')
  return measureGraphqlUnderWriteLoad({
    dbUrl: database.url,
    group,
    records: Number([...ends.values()].reduce((a, b) => a + b, 0n)),
    startProjector: () => startAttrib(['project'], projectorEnv(namespace, database.url, group)),
    seconds: Math.max(3, Math.round(graphqlSeconds / 2)),
    connections: GRAPHQL_CONNECTIONS,
    workers: graphqlWorkers,
    progress,
  })
}

async function projectionState(dbUrl: string) {
  const db = await openDatabase(dbUrl, { poolSize: 2 })
  try {
    const { digest, tables } = await projectionDigest(db)
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM dead_letter')
    return { digest, tables, rows: Object.values(tables).reduce((sum, t) => sum + t.rows, 0), deadLetters: n as number }
  } finally {
    await db.destroy()
  }
}

/** `attrib replay --no-switch` over the last live run: rebuilds from the log and compares digests. */
async function replayRun(namespace: string, live: { url: string; group: string }) {
  const started = Date.now()
  const nodeArgs = flags['cpu-prof'] ? cpuProfileArgs(`${resultsDir}profiles`) : []
  const replay = startAttrib(['replay', '--no-switch'], projectorEnv(namespace, live.url, live.group), nodeArgs)
  const rss = sampleRss(replay.child)
  const code = await replay.exited
  const peakRssBytes = await rss.stop()
  const seconds = (Date.now() - started) / 1000
  if (code !== 0 && code !== 2) throw new Error(`attrib replay failed (exit ${code}):\n${replay.stderr()}`)
  const result = JSON.parse(replay.stdout()) as {
    liveDigest: string
    replayDigest: string
    records: number
    batches: number
    rebuildSeconds: number
    digestSeconds: number
  }
  return { ...result, seconds, peakRssBytes, digestsEqual: result.liveDigest === result.replayDigest }
}

/** The same envelopes through the conventional squid-style handler (baseline.ts), in batches, without Kafka. */
async function baselineRun(run: number): Promise<ProjectionRun> {
  const database = await createTestDatabase(adminUrl, `attrib_bench_baseline${run}`)
  if (!flags.keep) cleanups.push(database.drop)
  const db = await openDatabase(database.url, { poolSize: 2 })
  await addBaselineIndexes(db)
  let events = 0
  let busyMs = 0
  try {
    let batch: Buffer[] = []
    const apply = async () => {
      // Only decoding and applying are timed: generating the backlog is not the handler's work.
      const started = performance.now()
      const envelopes = batch.map((bytes) => JSON.parse(bytes.toString('utf8')) as Envelope)
      await applyBaselineBatch(db, envelopes, settings)
      busyMs += performance.now() - started
      events += batch.length
      batch = []
    }
    for (const { record } of backlog(shape)) {
      batch.push(record.value)
      if (batch.length >= BASELINE_BATCH) await apply()
    }
    if (batch.length > 0) await apply()
  } finally {
    await db.destroy()
  }
  const state = await projectionState(database.url)
  return { events, ...state, seconds: busyMs / 1000 }
}

/** Tables the baseline does not write by design (it does not close epochs): left out of the comparison. */
const BASELINE_SKIPS = new Set(['epoch', 'epoch_payout'])

function summarise(
  preload: { events: number; seconds: number },
  live: ProjectionRun[],
  baseline: ProjectionRun[],
  replay: Awaited<ReturnType<typeof replayRun>>,
  limits: WriteLimits,
  graphql: GraphqlResults[],
  chain: ChainIngestionResult,
  usage: UsageIngestionResult,
) {
  const summary = (runs: ProjectionRun[]) => ({
    eventsPerSecond: median(runs.map((r) => r.events / r.seconds)),
    rowsPerSecond: median(runs.map((r) => r.rows / r.seconds)),
    seconds: median(runs.map((r) => r.seconds)),
    runs: runs.map(({ tables: _tables, ...r }) => r),
  })
  const ours = {
    ...summary(live),
    consumingEventsPerSecond: median(live.map((r) => r.events / r.consumingSeconds!)),
    concurrentPartitions: projectorConcurrency,
  }
  const theirs = summary(baseline)
  const liveTables = live[live.length - 1].tables
  const baselineTables = baseline[baseline.length - 1].tables
  const compared = Object.keys(liveTables).filter((t) => !BASELINE_SKIPS.has(t))
  return {
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: pgVersion,
      kafka: `broker at ${brokers.join(',')}`,
    },
    backlog: {
      ...shape,
      attributionsPerInference: ATTRIBUTIONS_PER_INFERENCE,
      events: preload.events,
      entityRows: live[live.length - 1].rows,
      preloadSeconds: preload.seconds,
    },
    runs,
    projection: ours,
    baseline: {
      ...theirs,
      batchSize: BASELINE_BATCH,
      tablesIdenticalToProjection: compared.filter((t) => liveTables[t].hash === baselineTables[t].hash),
      tablesDifferent: compared.filter((t) => liveTables[t].hash !== baselineTables[t].hash),
      notWritten: [...BASELINE_SKIPS],
    },
    ratioOursToBaseline: ours.eventsPerSecond / theirs.eventsPerSecond,
    // Ours as a fraction of each limit's rate: the limit's time over ours, for the same final rows.
    writeLimits: {
      ...limits,
      oursToSchemaCopy: limits.withOurIndexes.seconds / ours.seconds,
      oursToIndexlessCopy: limits.withoutIndexes.seconds / ours.seconds,
    },
    replay: {
      // The rebuild, from opening the log to the last batch applied: what compares with the projector's rate.
      eventsPerSecond: replay.records / replay.rebuildSeconds,
      rebuildSeconds: replay.rebuildSeconds,
      digestSeconds: replay.digestSeconds,
      endToEndEventsPerSecond: replay.records / replay.seconds,
      seconds: replay.seconds,
      records: replay.records,
      batches: replay.batches,
      peakRssBytes: replay.peakRssBytes,
      liveDigest: replay.liveDigest,
      replayDigest: replay.replayDigest,
      digestsEqual: replay.digestsEqual,
    },
    memory: { projectorPeakRssBytes: Math.max(...live.map((r) => r.peakRssBytes!)) },
    chainIngestion: chain,
    usageIngestion: usage,
    graphql,
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`

function printTable(r: ReturnType<typeof summarise>) {
  const rows: [string, string, string][] = [
    ['backlog', `${r.backlog.inferences} inferences, ${r.backlog.events} events`, `${r.backlog.entityRows} entity rows; ${r.runs} run(s), median`],
    ['projector (Kafka → Postgres)', `${rate(r.projection.eventsPerSecond)} events/s`, `${rate(r.projection.rowsPerSecond)} rows/s; ${r.projection.seconds.toFixed(1)} s wall; ${rate(r.projection.consumingEventsPerSecond)} events/s once consuming; ${r.projection.concurrentPartitions} partition(s) at once`],
    ['baseline (squid-style typeorm)', `${rate(r.baseline.eventsPerSecond)} events/s`, `${rate(r.baseline.rowsPerSecond)} rows/s; ${r.baseline.seconds.toFixed(1)} s in handler`],
    ['ours / baseline', `${r.ratioOursToBaseline.toFixed(2)}x`, `baseline rows identical in ${r.baseline.tablesIdenticalToProjection.length}/${r.baseline.tablesIdenticalToProjection.length + r.baseline.tablesDifferent.length} tables${r.baseline.tablesDifferent.length ? ` (differ: ${r.baseline.tablesDifferent.join(', ')})` : ''}`],
    [
      'limit (a): COPY into our schema',
      `${rate(r.backlog.events / r.writeLimits.withOurIndexes.seconds)} events/s`,
      `the live run's ${r.writeLimits.withOurIndexes.rows} final rows in ${r.writeLimits.withOurIndexes.seconds.toFixed(1)} s; ours / (a) = ${r.writeLimits.oursToSchemaCopy.toFixed(2)}`,
    ],
    [
      'limit (b): COPY, no indexes',
      `${rate(r.backlog.events / r.writeLimits.withoutIndexes.seconds)} events/s`,
      `the same rows into the same tables without any index, ${r.writeLimits.withoutIndexes.seconds.toFixed(1)} s; ours / (b) = ${r.writeLimits.oursToIndexlessCopy.toFixed(2)}`,
    ],
    [
      'replay (attrib replay)',
      `${rate(r.replay.eventsPerSecond)} events/s`,
      `rebuild ${r.replay.rebuildSeconds.toFixed(1)} s, then both digests ${r.replay.digestSeconds.toFixed(1)} s (${rate(r.replay.endToEndEventsPerSecond)} events/s end to end, ${r.replay.seconds.toFixed(1)} s); digest ${r.replay.digestsEqual ? 'equals live' : 'DIFFERS from live'}`,
    ],
    ['projector peak RSS', mib(r.memory.projectorPeakRssBytes), `replay peak RSS ${mib(r.replay.peakRssBytes)}`],
    ...postgresTimeRows(r.projection.runs[r.projection.runs.length - 1]),
    [
      'chain ingestion (anvil → Kafka)',
      `${rate(r.chainIngestion.blocksPerSecond)} blocks/s`,
      `${rate(r.chainIngestion.eventsPerSecond)} events/s; ${r.chainIngestion.blocks} blocks, ${r.chainIngestion.events} events (${r.chainIngestion.eventsPerBlock}/block); ${r.chainIngestion.seconds.toFixed(1)} s wall, ${r.chainIngestion.ingestingSeconds.toFixed(1)} s once started; pre-fill ${r.chainIngestion.prefillSeconds.toFixed(1)} s; peak RSS ${mib(r.chainIngestion.peakRssBytes)}`,
    ],
    ...usageIngestionRows(r.usageIngestion),
    ...r.graphql.flatMap((g) => [
      ...(g.underWriteLoad
        ? [
            [
              'projector while the API is loaded',
              `${g.underWriteLoad.slowdown.toFixed(2)}x slower`,
              `${rate(g.underWriteLoad.aloneEventsPerSecond)} records/s alone (${g.underWriteLoad.aloneSeconds.toFixed(0)} s), ${rate(g.underWriteLoad.underLoadEventsPerSecond)} under load (${g.underWriteLoad.underLoadSeconds.toFixed(0)} s)${g.underWriteLoad.drainingThroughout ? '' : '; DRAINED before the load ended'}${g.underWriteLoad.skipped.length ? `; skipped (no data yet): ${g.underWriteLoad.skipped.join(', ')}` : ''}`,
            ] as [string, string, string],
          ]
        : []),
      ...g.queries.map((q): [string, string, string] => {
        const failed = q.non2xx + q.graphqlErrors + q.errors
        return [
          `GraphQL, cache ${g.responseCache ? 'on' : 'off'}${g.underWriteLoad ? ', projector draining' : ''}: ${q.label}`,
          q.latencyMs ? `p99 ${q.latencyMs.p99} ms` : 'no answer',
          `p50 ${q.latencyMs?.p50 ?? '-'} ms; ${rate(q.requestsPerSecond)} req/s (${g.connections} conn, ${g.secondsPerQuery} s, ${g.workers} worker(s))${failed ? `; ${failed} FAILED` : ''}`,
        ]
      }),
    ]),
  ]
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)))
  console.log(`\nattribution-indexer bench, ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}, postgres ${r.machine.postgres}`)
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '))
}

/** The last projector run's five costliest statements in PostgreSQL, when pg_stat_statements was there to ask. */
function postgresTimeRows(run: Omit<ProjectionRun, 'tables'>): [string, string, string][] {
  const statements = run.postgresStatements ?? []
  const total = statements.reduce((sum, s) => sum + s.seconds, 0)
  return statements.slice(0, 5).map((s) => [
    `  PostgreSQL: ${s.statement.slice(0, 48)}…`,
    `${s.seconds.toFixed(1)} s`,
    `${Math.round((100 * s.seconds) / total)}% of the top ${statements.length} statements' time; ${rate(s.calls)} calls, ${rate(s.rows)} rows; run ${run.seconds.toFixed(1)} s`,
  ])
}

function rate(count: number, seconds = 1): string {
  return Math.round(count / seconds).toLocaleString('en-US')
}

let pgVersion = ''
try {
  pgVersion = await postgresVersion(adminUrl)
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error('cleanup failed:', err))
}
