// Usage ingestion against real Kafka and PostgreSQL: every kind of bad input is refused with its reason and
// dead-lettered with its original bytes, good records in the same batch still reach the usage topic, and
// nothing unsigned or forged ever does. The projected registry is prepared by writing its rows directly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { normaliseUsageRecord, type UsageRecord } from '../../src/domain/usage-record.js'
import type { UsageReply } from '../../src/ingest/usage/http-source.js'
import { postUsageRecords, runUsageSendCommand, UsagePostError } from '../../src/ingest/usage/producer.js'
import { badInputCorpus, replayWithChangedWeights } from '../fixtures/usage/corpus.js'
import {
  deadLetters,
  readTopic,
  registerAgent,
  registerModel,
  registerNode,
  startUsageHarness,
  usageEnvelopes,
  type TopicReader,
  type UsageHarness,
} from '../fixtures/usage/harness.js'
import { CHAIN_ID, NODE_REGISTRY, nodeKey, nodes, nowSeconds, sign, unsigned } from '../fixtures/usage/records.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const TOKEN = 'usage-test-token-0123456789'
const HOUR = 3600 * 1000
const GRACE_SECONDS = 60

let h: UsageHarness & { database: { drop(): Promise<void> } }
let usage: TopicReader
let letters: TopicReader

beforeAll(async () => {
  h = await startUsageHarness({ ...services, env: { USAGE_AUTH_TOKEN: TOKEN, USAGE_PENDING_GRACE_SECONDS: String(GRACE_SECONDS) } })
  const now = Date.now()
  await registerNode(h.db, nodes.registered.address, new Date(now - 24 * HOUR))
  await registerNode(h.db, nodes.revoked.address, new Date(now - 48 * HOUR), new Date(now - HOUR))
  await registerNode(h.db, nodes.late.address, new Date(now - HOUR))
  await registerModel(h.db, '1')
  // The latest projected registration: the projection's chain time is half an hour ago.
  await registerModel(h.db, '2', new Date(now - HOUR / 2))
  await registerAgent(h.db, '7')
  ;[usage, letters] = await Promise.all([readTopic(h.log, h.topics.usage), readTopic(h.log, h.topics.deadLetter)])
})

afterAll(async () => {
  await usage?.close()
  await letters?.close()
  await h?.close()
  await h?.database.drop()
})

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(h.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body })
}

async function postNdjson(lines: string[]): Promise<UsageReply> {
  const response = await post(lines.join('\n'), { 'content-type': 'application/x-ndjson' })
  expect(response.status).toBe(202)
  return (await response.json()) as UsageReply
}

const published = (inferenceId: string) => usageEnvelopes(usage).filter((e) => e.id === inferenceId)

function letterFor(predicate: (l: ReturnType<typeof deadLetters>[number]) => boolean, what: string) {
  return eventually(async () => deadLetters(letters).find(predicate), 20_000, what)
}

describe('usage ingestion: validation and authentication', () => {
  it('refuses each kind of bad input with its reason and dead letter, while the good records in the batch pass', async () => {
    const corpus = await badInputCorpus()
    expect(corpus.length).toBeGreaterThanOrEqual(30)
    const good = await Promise.all([
      sign(unsigned()),
      sign(unsigned({ modelId: '2', agentId: '7' })),
      sign(unsigned({ attributions: [] })),
    ])
    // Good records first, in the middle and last, so a bad line cannot take its neighbours down.
    const lines = [JSON.stringify(good[0]), ...corpus.slice(0, 20).map((c) => c.line), JSON.stringify(good[1]), ...corpus.slice(20).map((c) => c.line), JSON.stringify(good[2])]
    const reply = await postNdjson(lines)

    expect({ accepted: reply.accepted, rejected: reply.rejected, pending: reply.pending }).toEqual({ accepted: 3, rejected: corpus.length, pending: 0 })
    const reasons = reply.results.filter((r) => r.status === 'rejected').map((r) => r.reason)
    expect(reasons).toEqual(corpus.map((c) => c.reason))

    for (const c of corpus) {
      const letter = await letterFor((l) => l.original.toString('utf8') === c.line, `the dead letter of "${c.name}"`)
      expect({ name: c.name, stage: letter.stage, reason: letter.reason }).toEqual({ name: c.name, stage: 'usage-ingest', reason: c.reason })
      expect(letter.key).toMatch(/^usage:http:[0-9a-f]{64}$/)
    }
    expect(letters.records.find((r) => r.value?.toString('utf8') === corpus[0].line)?.headers['dl-source']).toBe('http')

    for (const record of good) {
      const [envelope] = await eventually(async () => (published(record.inferenceId).length ? published(record.inferenceId) : undefined), 20_000, 'a good record on the usage topic')
      expect(envelope).toMatchObject({ type: 'UsageRecorded', version: 1, source: 'usage', key: record.modelId, payload: normaliseUsageRecord(record) })
      expect(envelope.occurredAt).toBe(new Date(record.timestamp * 1000).toISOString())
    }
    // Nothing from the corpus (forged, replayed, altered or malformed) reached the usage topic.
    const corpusIds = new Set(corpus.flatMap((c) => [...c.line.matchAll(/"inferenceId":"(0x[0-9a-f]{64})"/g)].map((m) => m[1])))
    expect(usageEnvelopes(usage).filter((e) => corpusIds.has(e.id))).toEqual([])
  })

  it('counts refusals per source and reason on /metrics', async () => {
    const forged = { ...(await sign(unsigned(), nodes.impostor)), node: nodes.registered.address.toLowerCase() }
    const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(h.url.replace('/usage', '/metrics'))).text())?.[1] ?? 0)
    const badSignatures = () => metric(/attrib_usage_rejected_total\{source="http",reason="bad-signature"\} (\d+)/)
    const accepted = () => metric(/attrib_usage_records_total\{source="http",outcome="accepted"\} (\d+)/)
    const before = { badSignatures: await badSignatures(), accepted: await accepted() }
    await postNdjson([JSON.stringify(forged), JSON.stringify(await sign(unsigned()))])
    expect({ badSignatures: await badSignatures(), accepted: await accepted() }).toEqual({ badSignatures: before.badSignatures + 1, accepted: before.accepted + 1 })
  })

  it('takes one record, a JSON array, or NDJSON without its content type', async () => {
    const [a, b, c, d] = await Promise.all([sign(unsigned()), sign(unsigned()), sign(unsigned()), sign(unsigned())])
    const replies = await Promise.all([
      post(JSON.stringify(a), { 'content-type': 'application/json' }),
      post(JSON.stringify([b, 42])),
      post(`${JSON.stringify(c)}\n${JSON.stringify(d)}\n`),
    ])
    const bodies = (await Promise.all(replies.map((r) => r.json()))) as UsageReply[]
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202])
    expect(bodies.map((r) => [r.accepted, r.rejected])).toEqual([[1, 0], [1, 1], [2, 0]])
    expect(bodies[1].results[1]).toMatchObject({ index: 1, status: 'rejected', reason: 'not-an-object' })
  })

  it('requires the bearer token, and answers 413 for an oversized body with a body-too-large dead letter', async () => {
    const record = JSON.stringify(await sign(unsigned()))
    const unauthenticated = await fetch(h.url, { method: 'POST', body: record })
    const wrongToken = await post(record, { authorization: 'Bearer not-the-token' })
    expect([unauthenticated.status, wrongToken.status]).toEqual([401, 401])
    expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Bearer/)

    const oversized = `[${Array.from({ length: Math.ceil((1.3 * (1 << 20)) / record.length) }, () => record).join(',')}]`
    const response = await post(oversized, { 'content-type': 'application/json' })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'body-too-large', limit: 1 << 20 })
    const letter = await letterFor((l) => l.reason === 'body-too-large', 'the body-too-large dead letter')
    expect(letter.original.equals(Buffer.from(oversized).subarray(0, 64 << 10))).toBe(true)
  })
})

describe('usage ingestion: duplicates and replays', () => {
  it('accepts an identical resubmission as a duplicate without publishing it again, and refuses a replay with changed weights', async () => {
    const { original, replay } = await replayWithChangedWeights()
    expect((await postUsageRecords(h.url, [original], { token: TOKEN })).accepted).toBe(1)
    const second = await postUsageRecords(h.url, [original, replay], { token: TOKEN })
    expect(second.results.map((r) => [r.status, r.reason])).toEqual([['duplicate', undefined], ['rejected', 'conflicting-duplicate']])

    const letter = await letterFor((l) => l.eventId === original.inferenceId, 'the conflicting duplicate')
    expect(letter.reason).toBe('conflicting-duplicate')
    expect(JSON.parse(letter.original.toString('utf8'))).toEqual(replay)
    // A record of the same model (so the same partition), sent after both replies: once it is on the topic,
    // a second copy of the original, had one been published, would be before it.
    const later = await sign(unsigned({ modelId: original.modelId }))
    expect((await postUsageRecords(h.url, [later], { token: TOKEN })).accepted).toBe(1)
    await eventually(async () => (published(later.inferenceId).length > 0 ? true : undefined), 20_000, 'the later record on the usage topic')
    expect(published(original.inferenceId).map((e) => e.payload)).toEqual([normaliseUsageRecord(original)])
  })

  it('within one batch, publishes a repeated record once and refuses a conflicting one', async () => {
    const { original, replay } = await replayWithChangedWeights()
    const reply = await postUsageRecords(h.url, [original, original, replay], { token: TOKEN })
    expect(reply.results.map((r) => [r.status, r.reason])).toEqual([['accepted', undefined], ['duplicate', undefined], ['rejected', 'conflicting-duplicate']])
  })
})

describe('usage ingestion: records waiting for the projection', () => {
  it('keeps a record of a node not projected yet pending, and publishes it once the node is registered', async () => {
    const record = await sign(unsigned({ timestamp: nowSeconds() }), nodes.arriving)
    const reply = await postUsageRecords(h.url, [record], { token: TOKEN })
    expect(reply.results[0]).toMatchObject({ status: 'pending', inferenceId: record.inferenceId })
    // A record of a node never registered, from long before the projection's time, waits too: the recheck
    // round that refuses it has checked the first record as well, and left it waiting.
    const refusedLater = await sign(unsigned({ timestamp: nowSeconds() - 7200 }), nodes.unknown)
    expect((await postUsageRecords(h.url, [refusedLater], { token: TOKEN })).pending).toBe(1)
    await letterFor((l) => l.eventId === refusedLater.inferenceId, 'the later record refused by a recheck round')
    expect(published(record.inferenceId)).toEqual([])

    await registerNode(h.db, nodes.arriving.address, new Date(Date.now() - 5 * 60_000))
    const [envelope] = await eventually(async () => (published(record.inferenceId).length ? published(record.inferenceId) : undefined), 20_000, 'the pending record published')
    expect(envelope.payload).toEqual(normaliseUsageRecord(record))
    // The pending row is deleted once the record is on the topic (publish first, so a crash cannot lose it).
    const stillPending = async () => {
      const [{ count }] = await h.db.query('SELECT count(*)::int AS count FROM usage_pending WHERE inference_id = $1', [record.inferenceId])
      return count as number
    }
    await eventually(async () => ((await stillPending()) === 0 ? true : undefined), 10_000, 'the published record no longer pending')
  })

  it('refuses records still waiting once the projection is past their time by the grace: unknown node, model, agent', async () => {
    const twoHoursAgo = nowSeconds() - 7200
    const cases: [UsageRecord, string][] = [
      [await sign(unsigned({ timestamp: twoHoursAgo }), nodes.unknown), 'unknown-node'],
      [await sign(unsigned({ timestamp: twoHoursAgo, modelId: '999' })), 'unknown-model'],
      [await sign(unsigned({ timestamp: twoHoursAgo, agentId: '999' })), 'unknown-agent'],
    ]
    // Recent enough that the projection (half an hour ago) may still learn its model: it keeps waiting.
    const stillWaiting = await sign(unsigned({ timestamp: nowSeconds() - 60, modelId: '998' }))
    const reply = await postUsageRecords(h.url, [...cases.map(([r]) => r), stillWaiting], { token: TOKEN })
    expect(reply.pending).toBe(4)

    for (const [record, reason] of cases) {
      const letter = await letterFor((l) => l.eventId === record.inferenceId, `the ${reason} dead letter`)
      expect(letter.reason).toBe(reason)
      expect(JSON.parse(letter.original.toString('utf8'))).toEqual(record)
    }
    const waiting = await h.db.query('SELECT inference_id FROM usage_pending')
    expect(waiting.map((r: { inference_id: string }) => r.inference_id)).toEqual([stillWaiting.inferenceId])
  })

  it('refuses a record that has waited longer than the timeout, however far behind the projection is', async () => {
    const record = await sign(unsigned({ timestamp: nowSeconds(), modelId: '997' }))
    expect((await postUsageRecords(h.url, [record], { token: TOKEN })).pending).toBe(1)
    // A day passes (the default USAGE_PENDING_TIMEOUT_MS is 24 h) without the projection learning model 997.
    await h.db.query("UPDATE usage_pending SET received_at = now() - interval '25 hours' WHERE inference_id = $1", [record.inferenceId])
    const letter = await letterFor((l) => l.eventId === record.inferenceId, 'the timed-out record dead-lettered')
    expect(letter.reason).toBe('unknown-model')
  })
})

describe('usage ingestion: the raw topic', () => {
  it('validates what producers write to the raw topic into the usage topic, dead-lettering the rest', async () => {
    const [a, b] = await Promise.all([sign(unsigned()), sign(unsigned())])
    const forged = { ...(await sign(unsigned(), nodes.impostor)), node: nodes.registered.address.toLowerCase() }
    const producer = await h.log.producer()
    try {
      await producer.send(h.topics.raw, [
        { key: null, value: Buffer.from(JSON.stringify(a)) },
        { key: null, value: Buffer.from(JSON.stringify([b, forged])) },
        { key: null, value: Buffer.alloc(0) },
      ])
    } finally {
      await producer.close()
    }
    for (const record of [a, b]) {
      await eventually(async () => (published(record.inferenceId).length ? true : undefined), 30_000, 'a raw record on the usage topic')
    }
    const forgedLetter = await letterFor((l) => l.eventId === forged.inferenceId, 'the forged raw record')
    expect(forgedLetter.reason).toBe('bad-signature')
    expect(letters.records.find((r) => r.headers['dl-event-id'] === forged.inferenceId)?.headers['dl-source']).toBe('kafka')
    await letterFor((l) => l.reason === 'empty-record', 'the empty raw message')
    const offsets = await h.db.query('SELECT sum(next_offset)::int AS consumed FROM consumer_offset WHERE topic = $1', [h.topics.raw])
    expect(offsets[0].consumed).toBe(3)
  })
})

describe('the record producer', () => {
  it('attrib usage send: signs an NDJSON file of unsigned records with the node key and posts them', async () => {
    const records = [unsigned(), unsigned({ agentId: '7' }), unsigned({ attributions: [] })]
    const dir = await mkdtemp(path.join(os.tmpdir(), 'attrib-usage-send-'))
    const file = path.join(dir, 'records.ndjson')
    await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'))
    try {
      const env = { CHAIN_ID: String(CHAIN_ID), INFERENCE_NODE_REGISTRY_ADDRESS: NODE_REGISTRY }
      const summary = await runUsageSendCommand({ key: nodeKey('registered'), file, url: h.url, token: TOKEN, batch: '2' }, env)
      expect(summary).toEqual({ sent: 3, accepted: 3, duplicates: 0, pending: 0, rejected: 0, rejections: [] })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    for (const record of records) {
      const [envelope] = await eventually(async () => (published(record.inferenceId).length ? published(record.inferenceId) : undefined), 20_000, 'a sent record on the usage topic')
      expect(envelope.payload).toMatchObject({ ...record, node: nodes.registered.address.toLowerCase() })
    }
  })

  it('attrib usage send: sends nothing when a line is not an unsigned record', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'attrib-usage-send-'))
    const file = path.join(dir, 'records.ndjson')
    const good = unsigned()
    await writeFile(file, `${JSON.stringify(good)}\n${JSON.stringify({ ...unsigned(), tokensIn: -1 })}\n`)
    try {
      const env = { CHAIN_ID: String(CHAIN_ID), INFERENCE_NODE_REGISTRY_ADDRESS: NODE_REGISTRY }
      await expect(runUsageSendCommand({ key: nodeKey('registered'), file, url: h.url, token: TOKEN }, env)).rejects.toThrow(/line 2/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    const [{ count }] = await h.db.query('SELECT count(*)::int AS count FROM usage_record_seen WHERE inference_id = $1', [good.inferenceId])
    expect(count).toBe(0)
  })

  it('surfaces a refusal of the endpoint as UsagePostError with its status', async () => {
    const error = await postUsageRecords(h.url, [await sign(unsigned())], { token: 'wrong-token-0123456789' }).catch((e) => e)
    expect(error).toBeInstanceOf(UsagePostError)
    expect(error.status).toBe(401)
  })
})
