// The order of usage-record checks, against real Kafka and PostgreSQL, counted by the recoveries metric: what
// can be refused without cryptography is (schema, size, a revoked or not-yet-registered node); a record
// claiming a node not projected yet waits without a recovery, in a store bounded per claimed node, and is
// verified once its node is projected; only records claiming a projected node pay for a recovery on arrival.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { UsageRecord } from '../../src/domain/usage-record.js'
import { usageMetrics } from '../../src/ingest/usage/metrics.js'
import { postUsageRecords } from '../../src/ingest/usage/producer.js'
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
import { nodeAccount, nodes, nowSeconds, sign, unsigned } from '../fixtures/usage/records.js'
import { eventually } from '../support/processes.js'

const services = inject('services')
const HOUR = 3600 * 1000
const PENDING_PER_NODE = 3

let h: UsageHarness & { database: { drop(): Promise<void> } }
let usage: TopicReader
let letters: TopicReader

beforeAll(async () => {
  h = await startUsageHarness({ ...services, env: { USAGE_PENDING_MAX_PER_NODE: String(PENDING_PER_NODE) } })
  const now = Date.now()
  await registerNode(h.db, nodes.registered.address, new Date(now - 24 * HOUR))
  await registerNode(h.db, nodes.revoked.address, new Date(now - 48 * HOUR), new Date(now - HOUR))
  await registerNode(h.db, nodes.late.address, new Date(now - HOUR))
  await registerModel(h.db, '1')
  ;[usage, letters] = await Promise.all([readTopic(h.log, h.topics.usage), readTopic(h.log, h.topics.deadLetter)])
})

afterAll(async () => {
  await usage?.close()
  await letters?.close()
  await h?.close()
  await h?.database.drop()
})

const recoveries = async () => (await usageMetrics.recoveries.get()).values.reduce((sum, v) => sum + v.value, 0)
/** A record signed by an impostor, claiming `node`: only a recovery can tell it is forged. */
const forged = async (node: string, overrides: Parameters<typeof unsigned>[0] = {}): Promise<UsageRecord> => ({
  ...(await sign(unsigned(overrides), nodes.impostor)),
  node: node.toLowerCase(),
})
const published = (inferenceId: string) => usageEnvelopes(usage).some((e) => e.id === inferenceId)

describe('usage ingestion: cheap refusals come before cryptography', () => {
  it('refuses bad shapes and revoked or not-yet-registered nodes without a recovery', async () => {
    const before = await recoveries()
    const records = [
      { ...(await forged(nodes.registered.address)), tokensIn: -1 },
      await forged(nodes.revoked.address, { timestamp: nowSeconds() - 60 }),
      await forged(nodes.late.address, { timestamp: nowSeconds() - 2 * 3600 }),
    ]
    const reply = await postUsageRecords(h.url, records)
    expect(reply.results.map((r) => r.reason)).toEqual(['invalid-tokens', 'revoked-node', 'node-not-yet-registered'])
    expect(await recoveries()).toBe(before)
  })

  it('pays one recovery per record claiming a projected node, refusing the forged one as bad-signature', async () => {
    const before = await recoveries()
    const good = await sign(unsigned())
    const reply = await postUsageRecords(h.url, [good, await forged(nodes.registered.address)])
    expect(reply.results.map((r) => r.status)).toEqual(['accepted', 'rejected'])
    expect(reply.results[1].reason).toBe('bad-signature')
    expect(await recoveries()).toBe(before + 2)
  })

  it('keeps records claiming an unseen node waiting unverified, bounded per node, and verifies them when it registers', async () => {
    const arriving = nodeAccount('refusal-order arriving node')
    const other = nodeAccount('refusal-order other unseen node')
    const before = await recoveries()
    const genuine = await Promise.all([sign(unsigned(), arriving), sign(unsigned(), arriving)])
    const impostor = await forged(arriving.address)
    const overLimit = await forged(arriving.address)
    const otherNode = await sign(unsigned(), other)
    const reply = await postUsageRecords(h.url, [...genuine, impostor, overLimit, otherNode])
    expect(reply.results.map((r) => [r.status, r.reason])).toEqual([
      ['pending', undefined],
      ['pending', undefined],
      ['pending', undefined],
      ['rejected', 'pending-limit'],
      // The bound is per claimed node: another unseen node still has room.
      ['pending', undefined],
    ])
    expect(await recoveries()).toBe(before)
    const letter = await eventually(async () => deadLetters(letters).find((l) => l.eventId === overLimit.inferenceId), 20_000, 'the pending-limit dead letter')
    expect(letter.reason).toBe('pending-limit')

    await registerNode(h.db, arriving.address, new Date(Date.now() - 10 * 60_000))
    for (const record of genuine) await eventually(async () => (published(record.inferenceId) ? true : undefined), 20_000, 'a waiting record published')
    const refused = await eventually(async () => deadLetters(letters).find((l) => l.eventId === impostor.inferenceId), 20_000, 'the forged waiting record refused')
    expect(refused.reason).toBe('bad-signature')
    // The three records of the node that registered were verified, once each; the other node's still waits unverified.
    expect(await recoveries()).toBe(before + 3)
    const waiting = await h.db.query('SELECT inference_id, waiting_for FROM usage_pending')
    expect(waiting).toEqual([{ inference_id: otherNode.inferenceId, waiting_for: ['node'] }])
    expect(published(impostor.inferenceId)).toBe(false)
  })
})
