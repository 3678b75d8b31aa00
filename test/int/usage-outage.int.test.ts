// POST /usage during a broker outage, on a private Kafka broker this test can stop: what was acknowledged
// (202) is on the log; while the broker is down the endpoint answers 503 with Retry-After and confirms
// nothing; once a broker is back, the same requests succeed and every record they carried is on the log,
// including those the ingester had claimed but could not publish during the outage.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { UsageReply } from '../../src/ingest/usage/http-source.js'
import { usageTopics } from '../../src/ingest/usage/service.js'
import { createKafkaLog } from '../../src/log/kafka-log.js'
import type { UsageRecord } from '../../src/domain/usage-record.js'
import {
  deadLetters,
  logger,
  readTopic,
  registerModel,
  registerNode,
  startUsageHarness,
  usageEnvelopes,
  type TopicReader,
  type UsageHarness,
} from '../fixtures/usage/harness.js'
import { nodes, sign, unsigned } from '../fixtures/usage/records.js'
import { ensureKafka, type RunningService } from '../services/kafka.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const RETRY_AFTER_SECONDS = 2

let brokerUrl: string
let broker: RunningService | undefined
let h: UsageHarness & { database: { drop(): Promise<void> } }
const readers: TopicReader[] = []

beforeAll(async () => {
  brokerUrl = `127.0.0.1:${await freePortPair()}`
  broker = await ensureKafka({ brokers: brokerUrl })
  h = await startUsageHarness({
    kafkaBrokers: brokerUrl,
    dbUrl: services.dbUrl,
    env: { USAGE_PUBLISH_TIMEOUT_MS: '3000', USAGE_RETRY_AFTER_SECONDS: String(RETRY_AFTER_SECONDS) },
  })
  await registerNode(h.db, nodes.registered.address, new Date(Date.now() - 86_400_000))
  await registerModel(h.db, '1')
})

afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()))
  await h?.close()
  await h?.database.drop()
  await broker?.stop()
})

async function post(records: unknown[]): Promise<Response> {
  return fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) })
}

async function onTopic(reader: TopicReader, records: UsageRecord[], what: string) {
  const ids = () => new Set(usageEnvelopes(reader).map((e) => e.id))
  await eventually(async () => (records.every((r) => ids().has(r.inferenceId)) ? true : undefined), 60_000, what)
}

describe('POST /usage during a broker outage', () => {
  it('answers 503 with Retry-After while the log is down, and loses nothing it was given', async () => {
    const before = await Promise.all(Array.from({ length: 5 }, () => sign(unsigned())))
    const firstReply = await post(before)
    expect(firstReply.status).toBe(202)
    expect(((await firstReply.json()) as UsageReply).accepted).toBe(5)
    const usageBefore = await readTopic(h.log, h.topics.usage)
    readers.push(usageBefore)
    await onTopic(usageBefore, before, 'the acknowledged records on the log before the outage')

    await broker!.stop()
    broker = undefined
    const during = await Promise.all(Array.from({ length: 5 }, () => sign(unsigned())))
    const forged = { ...(await sign(unsigned(), nodes.impostor)), node: nodes.registered.address.toLowerCase() }
    const started = Date.now()
    const outageReply = await post([...during, forged])
    expect(outageReply.status).toBe(503)
    expect(outageReply.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS))
    expect(await outageReply.json()).toEqual({ error: 'log-unavailable' })
    expect(Date.now() - started).toBeLessThan(15_000)

    // A new broker at the same address (the old one's data is gone with it), its topics created by the operator.
    broker = await ensureKafka({ brokers: brokerUrl })
    const admin = createKafkaLog({ brokers: [brokerUrl], clientId: 'usage-outage-admin', logger })
    await admin.ensureTopics(usageTopics(h.config))
    await admin.close()
    const [usageAfter, lettersAfter] = await Promise.all([readTopic(h.log, h.topics.usage), readTopic(h.log, h.topics.deadLetter)])
    readers.push(usageAfter, lettersAfter)

    // The client sends the same body again after Retry-After until it is confirmed.
    const retried = await eventually(async () => {
      const response = await post([...during, forged])
      return response.status === 202 ? ((await response.json()) as UsageReply) : undefined
    }, 90_000, 'a 202 once the broker is back')
    // Accepted now, or already published by the ingester's own republishing of unacknowledged claims.
    expect(retried.results.map((r) => r.status)).toEqual([...during.map(() => expect.stringMatching(/^(accepted|duplicate)$/)), 'rejected'])
    await onTopic(usageAfter, during, 'the records sent during the outage on the log')
    const letter = await eventually(async () => deadLetters(lettersAfter).find((l) => l.eventId === forged.inferenceId), 30_000, 'the forged record dead-lettered')
    expect(letter.reason).toBe('bad-signature')
    const [{ unpublished }] = await h.db.query('SELECT count(*)::int AS unpublished FROM usage_claim')
    expect(unpublished).toBe(0)
  })
})

/** A free port whose successor is free too (the broker's controller listens there). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await listenOnce(0)
    if (port < 65535 && (await listenOnce(port + 1).then(() => true, () => false))) return port
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port
      server.close(() => resolve(bound))
    })
  })
}
