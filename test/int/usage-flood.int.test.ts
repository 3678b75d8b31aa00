// A flood of forged usage records against real Kafka and PostgreSQL, at a small size: four connections from one
// address post forged bodies (an impostor's signatures claiming the registered node) as fast as they can while
// the registered node posts its records one by one from another address. The node's records are all accepted
// and published; the flood is answered 429 (with Retry-After) past its client's verification budget, and what
// was admitted is refused as bad-signature and dead-lettered, record for record: nothing is lost, nothing
// forged is published. Per-node tokens bind a request to its node's records.
import { Agent, request } from 'node:http'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { UsageRecord } from '../../src/domain/usage-record.js'
import type { UsageReply } from '../../src/ingest/usage/http-source.js'
import { usageMetrics } from '../../src/ingest/usage/metrics.js'
import {
  deadLetters,
  readTopic,
  registerModel,
  registerNode,
  startUsageHarness,
  usageEnvelopes,
  type TopicReader,
  type UsageHarness,
} from '../fixtures/usage/harness.js'
import { nodeAccount, nodes, sign, unsigned } from '../fixtures/usage/records.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const HOUR = 3600 * 1000
const FLOOD_CONNECTIONS = 4
const FORGED_PER_REQUEST = 40
/** One forged body in verification at a time per client: a second one at once is over budget. */
const BUDGET_PER_CLIENT = 60
const NODE_RECORDS = 15
const SHARED_TOKEN = 'usage-flood-shared-token-0123'
const tokenNode = nodeAccount('flood test node with its own token')
const NODE_TOKEN = 'usage-flood-node-token-456789'

let h: UsageHarness & { database: { drop(): Promise<void> } }
let usage: TopicReader
let letters: TopicReader

beforeAll(async () => {
  h = await startUsageHarness({
    ...services,
    env: {
      USAGE_AUTH_TOKEN: SHARED_TOKEN,
      USAGE_NODE_TOKENS: `${tokenNode.address}=${NODE_TOKEN}`,
      USAGE_VERIFY_BUDGET_PER_CLIENT: String(BUDGET_PER_CLIENT),
      USAGE_BUSY_RETRY_AFTER_SECONDS: '3',
    },
  })
  await registerNode(h.db, nodes.registered.address, new Date(Date.now() - 24 * HOUR))
  await registerNode(h.db, tokenNode.address, new Date(Date.now() - 24 * HOUR))
  await registerModel(h.db, '1')
  ;[usage, letters] = await Promise.all([readTopic(h.log, h.topics.usage), readTopic(h.log, h.topics.deadLetter)])
})

afterAll(async () => {
  await usage?.close()
  await letters?.close()
  await h?.close()
  await h?.database.drop()
})

interface Answer {
  status: number
  retryAfter?: string
  body: string
}

function post(body: string, options: { agent: Agent; token?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      h.url,
      { method: 'POST', agent: options.agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? SHARED_TOKEN}` } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const forgedRecord = async (): Promise<UsageRecord> => ({ ...(await sign(unsigned(), nodes.impostor)), node: nodes.registered.address.toLowerCase() })

describe('usage ingestion under a flood of forged records', () => {
  it("accepts every record of the registered node while the flood is answered 429 or refused, losing nothing", async () => {
    const forgedBodies = await Promise.all(Array.from({ length: 6 }, async () => Promise.all(Array.from({ length: FORGED_PER_REQUEST }, forgedRecord))))
    const nodeRecords = await Promise.all(Array.from({ length: NODE_RECORDS }, () => sign(unsigned())))
    const floodAgent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS, localAddress: '127.0.0.1' })
    const nodeAgent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.2' })
    const floodAnswers: { answer: Answer; records: UsageRecord[] }[] = []
    const shedBefore = (await usageMetrics.shedRecords.get()).values.reduce((sum, v) => sum + v.value, 0)

    let nodeDone = false
    const seen429 = () => floodAnswers.some((a) => a.answer.status === 429)
    const flooders = Array.from({ length: FLOOD_CONNECTIONS }, async (_, c) => {
      // Until the node is done and the budget has shed at least one request: the test fails by timeout otherwise.
      for (let i = c; !(nodeDone && seen429()); i++) {
        const records = forgedBodies[i % forgedBodies.length]
        floodAnswers.push({ answer: await post(JSON.stringify(records), { agent: floodAgent }), records })
      }
    })
    const nodeAnswers: Answer[] = []
    for (const record of nodeRecords) nodeAnswers.push(await post(JSON.stringify([record]), { agent: nodeAgent }))
    nodeDone = true
    await Promise.all(flooders)
    floodAgent.destroy()
    nodeAgent.destroy()

    expect(nodeAnswers.map((a) => a.status)).toEqual(nodeRecords.map(() => 202))
    expect(nodeAnswers.map((a) => (JSON.parse(a.body) as UsageReply).accepted)).toEqual(nodeRecords.map(() => 1))

    const shed = floodAnswers.filter((a) => a.answer.status === 429)
    const admitted = floodAnswers.filter((a) => a.answer.status === 202)
    expect(shed.length + admitted.length).toBe(floodAnswers.length)
    expect(shed.length).toBeGreaterThan(0)
    expect(shed.every((a) => a.answer.retryAfter === '3' && JSON.parse(a.answer.body).error === 'busy')).toBe(true)
    const shedAfter = (await usageMetrics.shedRecords.get()).values.reduce((sum, v) => sum + v.value, 0)
    expect(shedAfter - shedBefore).toBe(shed.length * FORGED_PER_REQUEST)
    for (const { answer } of admitted) {
      const reply = JSON.parse(answer.body) as UsageReply
      expect(reply.results.map((r) => r.reason)).toEqual(reply.results.map(() => 'bad-signature'))
    }

    // Every record of the node on the usage topic; every admitted forged record dead-lettered once per time it was admitted.
    const nodeIds = new Set(nodeRecords.map((r) => r.inferenceId))
    await eventually(async () => (usageEnvelopes(usage).filter((e) => nodeIds.has(e.id)).length === NODE_RECORDS ? true : undefined), 30_000, "the node's records on the usage topic")
    const expectedLetters = admitted.length * FORGED_PER_REQUEST
    const forgedIds = new Set(admitted.flatMap((a) => a.records.map((r) => r.inferenceId)))
    const forgedLetters = () => deadLetters(letters).filter((l) => l.eventId !== undefined && forgedIds.has(l.eventId))
    await eventually(async () => (forgedLetters().length >= expectedLetters ? true : undefined), 30_000, 'a dead letter for every admitted forged record')
    expect(forgedLetters().every((l) => l.reason === 'bad-signature')).toBe(true)
    const allForged = new Set(forgedBodies.flat().map((r) => r.inferenceId))
    expect(usageEnvelopes(usage).filter((e) => allForged.has(e.id))).toEqual([])
  }, 120_000)

  it("gives a node's own token a budget of its own and binds it to that node's records", async () => {
    const agent = new Agent({ keepAlive: true, localAddress: '127.0.0.1' })
    const own = await sign(unsigned(), tokenNode)
    const foreign = await sign(unsigned())
    const answer = await post(JSON.stringify([own, foreign]), { agent, token: NODE_TOKEN })
    expect(answer.status).toBe(202)
    expect((JSON.parse(answer.body) as UsageReply).results.map((r) => [r.status, r.reason])).toEqual([
      ['accepted', undefined],
      ['rejected', 'node-token-mismatch'],
    ])
    expect((await post(JSON.stringify([own]), { agent, token: 'not-a-token-of-anyone-1234' })).status).toBe(401)
    agent.destroy()
  })
})
