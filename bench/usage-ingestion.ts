import { createHash, randomBytes } from 'node:crypto'
import { Agent, request } from 'node:http'
import { createRequire } from 'node:module'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { openDatabase } from '../src/db/data-source.js'
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../src/domain/envelope.js'
import { normaliseUsageRecord, usageHashing, usageSigningHash, type UnsignedUsageRecord, type UsageRecord } from '../src/domain/usage-record.js'
import { freePort } from '../src/free-port.js'
import { loadSignatureCrypto } from '../src/ingest/usage/signature-crypto.js'
import { TYPE_HEADER } from '../src/log/headers.js'
import { createKafkaLog } from '../src/log/kafka-log.js'
import type { OutgoingRecord } from '../src/log/log.js'
import { USAGE_PARTITIONS } from '../src/log/topics.js'
import { createLogger } from '../src/logger.js'
import { createTestDatabase } from '../test/support/database.js'
import { backlog, NODE_ADDRESS, type BacklogShape } from './generate.js'
import { cpuProfileArgs, sampleRss, startAttrib, waitUntilDrained } from './measure.js'
import { deleteTopics } from './services.js'

/**
 * The usage ingester end to end. The bench's backlog is put on the chain topic (registries, an inference node
 * whose key the bench holds, and the settlements; without finality markers, so no epoch closes while records
 * are still coming) and `attrib project` applies it. Then `attrib ingest-usage` receives the backlog's usage
 * records, signed with the node's key (EIP-712), in three rounds: over `POST /usage` (several connections,
 * JSON arrays), as NDJSON files in its watched folder, and as messages on the raw topic. Each round is timed
 * from its first byte until its last record is on the usage topic; the projector joins the records to their
 * settlements meanwhile, and the time until every inference is attributed by its record (mode USAGE) in
 * PostgreSQL gives the end-to-end rate. Then the flood: forged records (an impostor's signatures claiming the
 * registered node, so each would cost a recovery) at full speed from 4 connections of one address, while the
 * node posts one record at a time at a steady rate from another address: its latency and accepted share,
 * before and during the flood.
 */
export interface UsageIngestionOptions {
  brokers: string[]
  adminUrl: string
  /** Signed usage records sent in all (a third per source). */
  records: number
  /** Seconds of flood (and as long again of the node posting alone before it). */
  floodSeconds: number
  keep?: boolean
  /**
   * Stop the projector while the rounds run and start it again after them: the rounds then measure the
   * ingester with the machine to itself, and the attribution is the projector's alone.
   */
  projectorPaused?: boolean
  /** Profile the usage ingester (node --cpu-prof) into this directory. */
  cpuProfileDir?: string
  progress?(message: string): void
}

const CHAIN_ID = 31337
const NODE_REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const NODE_KEY = createHash('sha256').update('attribution-indexer bench inference node').digest()
const IMPOSTOR_KEY = createHash('sha256').update('attribution-indexer bench impostor').digest()
// Two bodies of 500 at once fit one client's verification budget (USAGE_VERIFY_BUDGET_PER_CLIENT, 1,024).
const HTTP_CONNECTIONS = 2
const RECORDS_PER_REQUEST = 500
const RECORDS_PER_FILE = 5_000
const RECORDS_PER_RAW_MESSAGE = 500
const FLOOD_CONNECTIONS = 4
/** The node's steady rate during the flood run: one record per request. */
const NODE_POST_INTERVAL_MS = 20
const POLL_MS = 100
const STALL_MS = 120_000
/** The flood comes from 127.0.0.1, the node from another loopback address: two clients to the ingester. */
const NODE_ADDRESS_LOCAL = '127.0.0.2'
const FLOOD_ADDRESS_LOCAL = '127.0.0.1'

const require = createRequire(import.meta.url)
const secp256k1 = require('secp256k1/bindings.js') as {
  ecdsaSign(hash: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array
}
const crypto = loadSignatureCrypto()
const hashing = usageHashing(CHAIN_ID, NODE_REGISTRY, crypto.keccak256)
const addressOfKey = (key: Uint8Array) => `0x${Buffer.from(crypto.keccak256(secp256k1.publicKeyCreate(key, false).subarray(1))).subarray(12).toString('hex')}`
const nodeAddress = addressOfKey(NODE_KEY)

/** Signs as a node would (`attrib usage send` does the same with viem, at about 30 times the CPU). */
function sign(record: UnsignedUsageRecord, key: Uint8Array, node: string): UsageRecord {
  const { signature, recid } = secp256k1.ecdsaSign(usageSigningHash(record, hashing), key)
  return normaliseUsageRecord({ ...record, node, signature: `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}` })
}

export async function measureUsageIngestion(options: UsageIngestionOptions) {
  const { progress = () => {}, brokers } = options
  const cleanups: (() => Promise<void>)[] = []
  const logger = createLogger('warn', 'bench')
  try {
    const namespace = `bench-usage-${randomBytes(4).toString('hex')}`
    const topics = { chain: `${namespace}.chain.${CHAIN_ID}`, usage: `${namespace}.usage`, deadLetter: `${namespace}.deadletter`, raw: `${namespace}.usage.raw` }
    if (!options.keep) cleanups.push(() => deleteTopics(brokers, Object.values(topics)))
    const database = await createTestDatabase(options.adminUrl, 'attrib_bench_usage')
    if (!options.keep) cleanups.push(database.drop)
    await (await openDatabase(database.url, { poolSize: 2 })).destroy()

    const log = createKafkaLog({ brokers, clientId: namespace, logger })
    cleanups.push(() => log.close())
    await log.ensureTopics([
      { name: topics.chain, partitions: 1 },
      { name: topics.usage, partitions: USAGE_PARTITIONS },
      { name: topics.raw, partitions: USAGE_PARTITIONS },
      { name: topics.deadLetter, partitions: 1 },
    ])
    const shape: BacklogShape = { inferences: options.records, epochBlocks: 10_000, epochs: 5, chainId: CHAIN_ID }
    progress(`usage ingestion: ${options.records} settlements onto the chain topic, signing their usage records`)
    const signStarted = performance.now()
    const { lines, chainEvents } = await preloadChain(log, topics.chain, shape)
    const signSeconds = (performance.now() - signStarted) / 1000

    const env = {
      DB_URL: database.url,
      KAFKA_BROKERS: brokers.join(','),
      TOPIC_NAMESPACE: namespace,
      PROJECTOR_GROUP: `${namespace}-projector`,
      CHAIN_ID: String(CHAIN_ID),
      // One epoch longer than the chain: the finality marker completes the last block (its settlements' records
      // join once every event of their block is applied) without closing an epoch before the records arrive.
      EPOCH_BLOCKS: String(STAGE_EPOCH_BLOCKS),
      INFERENCE_NODE_REGISTRY_ADDRESS: NODE_REGISTRY,
      LOG_LEVEL: 'warn',
    }
    const startProjector = () => {
      const started = startAttrib(['project'], { ...env, NODE_OPTIONS: '--max-old-space-size=192' })
      cleanups.push(started.stop)
      return started
    }
    let projector = startProjector()
    await waitUntilDrained({
      dbUrl: database.url,
      group: env.PROJECTOR_GROUP,
      ends: new Map([[`${topics.chain}/0`, BigInt(chainEvents)]]),
      isAlive: () => projector.child.exitCode == null,
      diagnostics: projector.stderr,
    })
    progress(`usage ingestion: settlements projected; starting attrib ingest-usage`)

    const dir = await mkdtemp(path.join(os.tmpdir(), 'attrib-bench-usage-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const port = await freePort()
    const ingester = startAttrib(['ingest-usage'], { ...env, USAGE_PORT: String(port), USAGE_DIR: dir, USAGE_DIR_POLL_MS: '100', USAGE_FILE_SETTLE_MS: '0' }, options.cpuProfileDir ? cpuProfileArgs(options.cpuProfileDir) : [])
    cleanups.push(ingester.stop)
    const rss = sampleRss(ingester.child)
    const base = `http://127.0.0.1:${port}`
    await waitFor(async () => (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 60_000, 'the usage ingester to listen', ingester)
    const metricsBefore = await scrape(base)

    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    cleanups.push(() => client.end())
    const attributed = async () => Number((await client.query("SELECT count(*)::int AS n FROM inference WHERE mode = 'USAGE'")).rows[0].n)
    const onTopic = async () => Number([...(await log.endOffsets(topics.usage)).values()].reduce((a, b) => a + b, 0n))

    if (options.projectorPaused) await projector.stop()
    const third = Math.floor(lines.length / 3)
    const parts = { http: lines.slice(0, third), file: lines.slice(third, 2 * third), raw: lines.slice(2 * third) }
    const started = performance.now()
    const rounds: { source: string; records: number; seconds: number; recordsPerSecond: number; acknowledgedSeconds?: number }[] = []
    let expected = 0
    for (const [source, part] of Object.entries(parts) as [keyof typeof parts, string[]][]) {
      const t0 = performance.now()
      expected += part.length
      const acknowledged = await send(source, part, { base, dir, log, raw: topics.raw })
      const acknowledgedSeconds = (performance.now() - t0) / 1000
      await waitForCount(onTopic, expected, `the ${source} records on the usage topic`, ingester)
      const seconds = (performance.now() - t0) / 1000
      rounds.push({ source, records: part.length, seconds, recordsPerSecond: part.length / seconds, ...(acknowledged ? { acknowledgedSeconds } : {}) })
      progress(`usage ingestion over ${source}: ${Math.round(part.length / seconds)} records/s (${part.length} in ${seconds.toFixed(1)} s)`)
    }
    const ingestSeconds = (performance.now() - started) / 1000
    if (options.projectorPaused) projector = startProjector()
    await waitForCount(attributed, lines.length, 'every inference attributed in PostgreSQL', projector)
    const attributedSeconds = (performance.now() - started) / 1000
    const afterRounds = await scrape(base)
    const peakRssBytes = await rss.stop()
    progress(`usage ingestion: ${lines.length} inferences attributed in ${attributedSeconds.toFixed(1)} s (${Math.round(lines.length / attributedSeconds)} inferences/s)`)

    const flood = await floodRun(base, options.floodSeconds, progress)
    const afterFlood = await scrape(base)
    return {
      records: lines.length,
      signSeconds,
      nativeCrypto: { keccak: afterRounds.get('attrib_usage_native_crypto{part="keccak"}') === 1, secp256k1: afterRounds.get('attrib_usage_native_crypto{part="secp256k1"}') === 1 },
      rounds,
      recordsPerSecond: lines.length / ingestSeconds,
      attributedInferencesPerSecond: lines.length / attributedSeconds,
      attributedSeconds,
      recoveries: (afterRounds.get('attrib_usage_signature_recoveries_total') ?? 0) - (metricsBefore.get('attrib_usage_signature_recoveries_total') ?? 0),
      ingesterPeakRssBytes: peakRssBytes,
      flood: {
        ...flood,
        shedRequests: sumMatching(afterFlood, 'attrib_usage_shed_requests_total'),
        shedRecords: sumMatching(afterFlood, 'attrib_usage_shed_records_total'),
        refusedBadSignature: afterFlood.get('attrib_usage_rejected_total{source="http",reason="bad-signature"}') ?? 0,
      },
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => progress(`usage ingestion cleanup failed: ${(err as Error).message}`))
  }
}

/**
 * The backlog's chain events onto the chain topic, without BlocksFinalized markers (an epoch closing before its
 * records arrive would dead-letter them) and with the bench's node key's address as the registered node; the
 * usage records signed with that key, as NDJSON lines.
 */
/** The projector's epoch length in this stage: no epoch of the backlog ends, so none closes. */
const STAGE_EPOCH_BLOCKS = 1_000_000_000

async function preloadChain(log: ReturnType<typeof createKafkaLog>, topic: string, shape: BacklogShape) {
  const producer = await log.producer()
  const lines: string[] = []
  let chunk: OutgoingRecord[] = []
  let chainEvents = 0
  try {
    for (const { topic: kind, record } of backlog(shape)) {
      if (kind === 'usage') {
        const envelope = decodeEnvelope(record.value)
        if (!envelope.ok) throw new Error(envelope.detail)
        const { node: _node, signature: _signature, ...unsigned } = (envelope.value as Envelope<string, UsageRecord>).payload
        lines.push(JSON.stringify(sign(unsigned, NODE_KEY, nodeAddress)))
        continue
      }
      const type = record.headers?.[TYPE_HEADER]
      chunk.push(type === 'InferenceNodeRegistered' ? withNode(record, nodeAddress) : record)
      chainEvents++
      if (chunk.length >= 500) {
        await producer.send(topic, chunk)
        chunk = []
      }
    }
    await producer.send(topic, chunk)
  } finally {
    await producer.close()
  }
  return { lines, chainEvents }
}

function withNode(record: OutgoingRecord, node: string): OutgoingRecord {
  const envelope = decodeEnvelope(record.value)
  if (!envelope.ok) throw new Error(envelope.detail)
  const payload = envelope.value.payload as { node: string }
  if (payload.node !== NODE_ADDRESS) throw new Error('unexpected node registration in the backlog')
  return { ...record, value: encodeEnvelope({ ...envelope.value, payload: { ...payload, node } }) }
}

/** Sends one round's records through a source; returns whether the source acknowledged them (HTTP's 202s). */
async function send(source: 'http' | 'file' | 'raw', lines: string[], to: { base: string; dir: string; log: ReturnType<typeof createKafkaLog>; raw: string }): Promise<boolean> {
  const chunks = (size: number) => Array.from({ length: Math.ceil(lines.length / size) }, (_, i) => lines.slice(i * size, (i + 1) * size))
  if (source === 'http') {
    const agent = new Agent({ keepAlive: true, maxSockets: HTTP_CONNECTIONS })
    const bodies = chunks(RECORDS_PER_REQUEST).map((c) => `[${c.join(',')}]`)
    let next = 0
    await Promise.all(
      Array.from({ length: HTTP_CONNECTIONS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]
          let answer = await post(`${to.base}/usage`, body, agent)
          // A 429 says when to come back: a well-behaved node does (the flood below is the one that does not).
          for (let attempt = 1; answer.status === 429 && attempt < 30; attempt++) {
            await sleep(Number(answer.retryAfter ?? 1) * 1000)
            answer = await post(`${to.base}/usage`, body, agent)
          }
          const { status, text } = answer
          if (status !== 202) throw new Error(`POST /usage answered ${status}: ${text.slice(0, 300)}`)
          const reply = JSON.parse(text) as { accepted: number }
          if (reply.accepted !== RECORDS_PER_REQUEST && reply.accepted !== lines.length % RECORDS_PER_REQUEST) throw new Error(`records not accepted: ${text.slice(0, 300)}`)
        }
      }),
    )
    agent.destroy()
    return true
  }
  if (source === 'file') {
    // Written aside and renamed in, as a node shipping finished files would.
    for (const [i, c] of chunks(RECORDS_PER_FILE).entries()) {
      const name = path.join(to.dir, `node-${String(i).padStart(5, '0')}`)
      await writeFile(`${name}.part`, `${c.join('\n')}\n`)
      await rename(`${name}.part`, `${name}.ndjson`)
    }
    return false
  }
  const producer = await to.log.producer()
  try {
    for (const c of chunks(RECORDS_PER_RAW_MESSAGE)) await producer.send(to.raw, [{ key: null, value: Buffer.from(c.join('\n')) }])
  } finally {
    await producer.close()
  }
  return false
}

/** The node alone, then under the flood: its per-request latency (one record each) and how many were accepted. */
async function floodRun(base: string, seconds: number, progress: (message: string) => void) {
  const url = `${base}/usage`
  let counter = 0
  const nodeRecord = () => {
    counter += 1
    const inferenceId = `0x${createHash('sha256').update(`bench flood node ${process.pid} ${counter} ${Date.now()}`).digest('hex')}`
    return sign(unsignedRecord(inferenceId), NODE_KEY, nodeAddress)
  }
  const forgedBody = () => {
    const records = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => {
      const inferenceId = `0x${createHash('sha256').update(`bench flood forged ${process.pid} ${counter} ${i} ${Math.random()}`).digest('hex')}`
      // Signed by an impostor, claiming the registered node: refused only after a recovery.
      return sign(unsignedRecord(inferenceId), IMPOSTOR_KEY, nodeAddress)
    })
    return JSON.stringify(records)
  }

  const nodeAgent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: NODE_ADDRESS_LOCAL })
  const steadyNode = async (ms: number) => {
    const latencies: number[] = []
    let accepted = 0
    let sent = 0
    const until = performance.now() + ms
    while (performance.now() < until) {
      const due = performance.now() + NODE_POST_INTERVAL_MS
      const t0 = performance.now()
      const { status, text } = await post(url, JSON.stringify([nodeRecord()]), nodeAgent)
      latencies.push(performance.now() - t0)
      sent += 1
      if (status === 202 && (JSON.parse(text) as { accepted: number }).accepted === 1) accepted += 1
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
    }
    return { sent, accepted, acceptedShare: accepted / sent, latencyMs: percentiles(latencies) }
  }

  progress(`usage flood: the node alone for ${seconds} s`)
  const alone = await steadyNode(seconds * 1000)
  progress(`usage flood: ${FLOOD_CONNECTIONS} connections of forged records for ${seconds} s, the node posting meanwhile`)
  const forged = Array.from({ length: 8 }, forgedBody)
  const floodAgent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS, localAddress: FLOOD_ADDRESS_LOCAL })
  const statuses = new Map<number, number>()
  let floodRecordsSent = 0
  let stop = false
  const flooders = Array.from({ length: FLOOD_CONNECTIONS }, async (_, c) => {
    for (let i = c; !stop; i++) {
      const { status } = await post(url, forged[i % forged.length], floodAgent)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      floodRecordsSent += RECORDS_PER_REQUEST
    }
  })
  const during = await steadyNode(seconds * 1000)
  stop = true
  await Promise.all(flooders)
  nodeAgent.destroy()
  floodAgent.destroy()
  return {
    seconds,
    connections: FLOOD_CONNECTIONS,
    recordsPerRequest: RECORDS_PER_REQUEST,
    nodeIntervalMs: NODE_POST_INTERVAL_MS,
    nodeAlone: alone,
    nodeDuringFlood: during,
    floodRequests: Object.fromEntries(statuses),
    floodRecordsSent,
  }
}

function unsignedRecord(inferenceId: string): UnsignedUsageRecord {
  return {
    inferenceId,
    modelId: '1',
    agentId: '1',
    tokensIn: 100,
    tokensOut: 50,
    timestamp: Math.floor(Date.now() / 1000) - 10,
    attributions: Array.from({ length: 8 }, (_, k) => ({ contributionId: String(1 + k * 125), weight: 1 + k })),
  }
}

function post(url: string, body: string, agent: Agent): Promise<{ status: number; text: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const retryAfter = res.headers['retry-after']
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN)
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? Number.NaN) }
}

/** Prometheus text → series (with labels) → value. */
async function scrape(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text()
  const series = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (m) series.set(m[1], Number(m[2]))
  }
  return series
}

function sumMatching(series: Map<string, number>, name: string): number {
  return [...series].filter(([key]) => key === name || key.startsWith(`${name}{`)).reduce((sum, [, v]) => sum + v, 0)
}

/** Waits until `count()` reaches `target`, failing only when it stops moving for STALL_MS. */
async function waitForCount(count: () => Promise<number>, target: number, what: string, child: { child: { exitCode: number | null }; stderr(): string }) {
  let last = -1
  let movedAt = Date.now()
  for (;;) {
    if (child.child.exitCode != null) throw new Error(`a child exited while waiting for ${what}:\n${child.stderr()}`)
    const now = await count()
    if (now >= target) return
    if (now !== last) {
      last = now
      movedAt = Date.now()
    } else if (Date.now() - movedAt > STALL_MS) throw new Error(`stalled at ${now} of ${target} waiting for ${what}:\n${child.stderr().slice(-3000)}`)
    await sleep(POLL_MS)
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, stallMs: number, what: string, child: { child: { exitCode: number | null }; stderr(): string }): Promise<T> {
  const deadline = Date.now() + stallMs
  for (;;) {
    if (child.child.exitCode != null) throw new Error(`a child exited while waiting for ${what}:\n${child.stderr()}`)
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${child.stderr().slice(-3000)}`)
    await sleep(POLL_MS)
  }
}

export type UsageIngestionResult = Awaited<ReturnType<typeof measureUsageIngestion>>

/** The stage's lines of the bench table: [what, figure, details]. */
export function usageIngestionRows(r: UsageIngestionResult): [string, string, string][] {
  const rate = (n: number) => Math.round(n).toLocaleString('en-US')
  const node = (n: UsageIngestionResult['flood']['nodeAlone']) =>
    `p50 ${n.latencyMs.p50} ms, p99 ${n.latencyMs.p99} ms, max ${n.latencyMs.max} ms; ${n.accepted}/${n.sent} accepted (${(100 * n.acceptedShare).toFixed(1)}%)`
  const crypto = `native keccak ${r.nativeCrypto.keccak ? 'yes' : 'NO'}, native secp256k1 ${r.nativeCrypto.secp256k1 ? 'yes' : 'NO'}`
  return [
    ...r.rounds.map((round): [string, string, string] => [
      `usage ingestion over ${round.source} (→ usage topic)`,
      `${rate(round.recordsPerSecond)} records/s`,
      `${round.records} signed records in ${round.seconds.toFixed(1)} s${round.acknowledgedSeconds !== undefined ? ` (all 202s after ${round.acknowledgedSeconds.toFixed(1)} s)` : ''}; ${crypto}`,
    ]),
    [
      'usage end to end (→ attributed in PostgreSQL)',
      `${rate(r.attributedInferencesPerSecond)} inferences/s`,
      `${r.records} inferences attributed by their records ${r.attributedSeconds.toFixed(1)} s after the first was sent; ${rate(r.recordsPerSecond)} records/s over the three rounds; ${r.recoveries} recoveries; ingester peak RSS ${(r.ingesterPeakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    ],
    ['usage flood: node alone', `p99 ${r.flood.nodeAlone.latencyMs.p99} ms`, `${node(r.flood.nodeAlone)}; one record per ${r.flood.nodeIntervalMs} ms`],
    [
      `usage flood: node under ${r.flood.connections}-connection flood`,
      `p99 ${r.flood.nodeDuringFlood.latencyMs.p99} ms`,
      `${node(r.flood.nodeDuringFlood)}; flood ${r.flood.floodRecordsSent} forged records in ${r.flood.seconds} s, answers ${JSON.stringify(r.flood.floodRequests)}, ${r.flood.shedRecords} records shed (429), ${r.flood.refusedBadSignature} refused bad-signature`,
    ],
  ]
}
