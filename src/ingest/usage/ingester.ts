import { createHash } from 'node:crypto'
import type { DataSource } from 'typeorm'
import {
  parseUsageRecord,
  usageRecordDigest,
  usageRecordEnvelope,
  USAGE_RECORDED,
  type UsageRecord,
} from '../../domain/usage-record.js'
import type { Logger } from '../../logger.js'
import { deadLetterRecord } from '../../log/dead-letter.js'
import { TYPE_HEADER } from '../../log/headers.js'
import type { OutgoingRecord } from '../../log/log.js'
import { authorizeRecords, projectionChainTime, type Authorization } from './authenticate.js'
import type { SourceItem } from './body.js'
import { usageMetrics } from './metrics.js'
import type { PendingQuota } from './pending-quota.js'
import type { Publisher } from './publisher.js'
import * as store from './store.js'
import type { SignatureVerifier } from './verify.js'

/**
 * The one path every usage record takes, whatever its source: parse → validate → the node registry → signature
 * → deduplicate → publish to the usage topic, wait (pending), or dead-letter. The cheap refusals come first: a
 * record refused by its schema, its size or its node's registration (revoked, or not yet registered at the
 * record's time) never costs a signature recovery, and a record claiming a node not projected yet waits without
 * one, in a store bounded per claimed node and overall, until that node is projected. Only records claiming a
 * projected node pay for a recovery on arrival. A call returns only once the log has acknowledged what it
 * published and dead-lettered, and throws LogUnavailable otherwise; nothing it returned as accepted or rejected
 * can then be lost.
 */
export type UsageSource = 'http' | 'file' | 'kafka'
export type RecordStatus = 'accepted' | 'duplicate' | 'pending' | 'rejected'

export interface RecordOutcome {
  index: number
  inferenceId?: string
  status: RecordStatus
  reason?: string
  detail?: string
}

export const USAGE_STAGE = 'usage-ingest'

export interface UsageIngesterOptions {
  db: DataSource
  publisher: Publisher
  topics: { usage: string; deadLetter: string }
  maxFutureSkewSeconds: number
  pending: { graceSeconds: number; timeoutMs: number }
  verifier: SignatureVerifier
  pendingQuota: PendingQuota
  logger: Logger
}

/** Who sent a batch, when the source knows: a node authenticated by its own bearer token speaks only for itself. */
export interface BatchContext {
  tokenNode?: string
}

/** Where a record came from, enough to dead-letter it. */
interface Origin {
  index: number
  source: string
  position: string
  original: Buffer
  inferenceId?: string
}

interface Candidate extends Origin {
  record: UsageRecord
  digest: string
  /** Only for records rechecked from the pending table: whether their wait is over. */
  expired?: boolean
  /** False for a record rechecked from the pending table whose signature was checked on arrival. */
  needsVerification: boolean
}

/** A candidate that passed the registry and, if its node is projected, its signature. */
interface Screened {
  candidate: Candidate
  authorization: Exclude<Authorization, { status: 'rejected' }>
}

/** What one batch decided, published and recorded together by `commit`. */
class Plan {
  readonly outcomes: RecordOutcome[]
  readonly sources: string[]
  readonly envelopes: { inferenceId: string; record: OutgoingRecord }[] = []
  readonly deadLetters: { source: string; reason: string; record: OutgoingRecord }[] = []
  /** Inference ids whose waiting copy in the pending table this batch decides. */
  readonly waiting = new Map<string, number>()

  constructor(size: number) {
    this.outcomes = new Array(size)
    this.sources = new Array(size)
  }

  decide(origin: Origin, status: Exclude<RecordStatus, 'rejected'>) {
    this.outcomes[origin.index] = { index: origin.index, inferenceId: origin.inferenceId, status }
    this.sources[origin.index] = origin.source
  }

  publish(candidate: Candidate, envelope: string) {
    this.envelopes.push({
      inferenceId: candidate.record.inferenceId,
      record: { key: candidate.record.modelId, value: Buffer.from(envelope), headers: { [TYPE_HEADER]: USAGE_RECORDED } },
    })
    this.decide(candidate, 'accepted')
  }

  reject(origin: Origin, reason: string, detail: string) {
    this.outcomes[origin.index] = { index: origin.index, inferenceId: origin.inferenceId, status: 'rejected', reason, detail }
    this.sources[origin.index] = origin.source
    this.deadLetters.push({ source: origin.source, reason, record: usageDeadLetter(origin, reason, detail) })
  }
}

/** The dead letter of a usage record: deterministic key from the source and the original bytes. */
export function usageDeadLetter(origin: Omit<Origin, 'index'>, reason: string, detail: string): OutgoingRecord {
  const digest = createHash('sha256').update(origin.original).digest('hex')
  const record = deadLetterRecord({
    key: `usage:${origin.source}:${digest}`,
    stage: USAGE_STAGE,
    reason,
    detail: `${origin.position}: ${detail}`,
    original: origin.original,
    eventId: origin.inferenceId,
  })
  return { ...record, headers: { ...record.headers, 'dl-source': origin.source, 'dl-position': origin.position } }
}

/** The record's node is in the projection (registered, not revoked at the record's time): its signature can be checked. */
function nodeProjected(authorization: Screened['authorization']): boolean {
  return authorization.status === 'ready' || !authorization.waitingFor.includes('node')
}

export function createUsageIngester(options: UsageIngesterOptions) {
  const { db, publisher, topics, logger } = options

  async function ingest(items: SourceItem[], source: UsageSource, context: BatchContext = {}): Promise<RecordOutcome[]> {
    const plan = new Plan(items.length)
    const clock = { nowSeconds: Math.floor(Date.now() / 1000), maxFutureSkewSeconds: options.maxFutureSkewSeconds }
    const candidates: Candidate[] = []
    for (const [index, item] of items.entries()) {
      const origin: Origin = { index, source, position: item.position, original: item.original }
      const parsed = item.parsed.ok ? parseUsageRecord(item.parsed.json, clock) : item.parsed
      if (!parsed.ok) {
        plan.reject(origin, parsed.reason, parsed.detail)
        continue
      }
      const candidate: Candidate = { ...origin, inferenceId: parsed.record.inferenceId, record: parsed.record, digest: usageRecordDigest(parsed.record), needsVerification: true }
      if (context.tokenNode && candidate.record.node !== context.tokenNode) {
        plan.reject(candidate, 'node-token-mismatch', `the bearer token is node ${context.tokenNode}'s; the record claims node ${candidate.record.node}`)
        continue
      }
      candidates.push(candidate)
    }
    const first = new Map<string, Screened>()
    const repeats: { candidate: Candidate; first: Candidate }[] = []
    for (const screened of await screen(candidates, plan)) {
      const { candidate } = screened
      const earlier = first.get(candidate.record.inferenceId)?.candidate
      if (!earlier) first.set(candidate.record.inferenceId, screened)
      else if (earlier.digest === candidate.digest) repeats.push({ candidate, first: earlier })
      else plan.reject(candidate, 'conflicting-duplicate', `inference ${candidate.inferenceId} came earlier in this batch (${earlier.position}) with other content`)
    }
    await settle([...first.values()], plan)
    // A repeat within the batch shares the fate of its first occurrence, but is published at most once.
    for (const { candidate, first } of repeats) {
      const decided = plan.outcomes[first.index]
      if (decided.status === 'rejected') plan.reject(candidate, decided.reason!, decided.detail!)
      else plan.decide(candidate, decided.status === 'pending' ? 'pending' : 'duplicate')
    }
    await commit(plan)
    return plan.outcomes
  }

  /**
   * The registry first (no cryptography: revoked or not-yet-registered nodes are refused here), then the
   * signatures of the records whose node is projected. A record whose node is not projected goes on unverified,
   * to wait; it is verified once its node is projected.
   */
  async function screen(candidates: Candidate[], plan: Plan): Promise<Screened[]> {
    const authorizations = await authorizeRecords(db, candidates.map((c) => c.record))
    const passed: Screened[] = []
    for (const [i, candidate] of candidates.entries()) {
      const authorization = authorizations[i]
      if (authorization.status === 'rejected') plan.reject(candidate, authorization.reason, authorization.detail)
      else passed.push({ candidate, authorization })
    }
    const toVerify = passed.filter((s) => s.candidate.needsVerification && nodeProjected(s.authorization))
    const verdicts = await options.verifier.verifyAll(toVerify.map((s) => s.candidate.record))
    const refused = new Set<Candidate>()
    for (const [i, verdict] of verdicts.entries()) {
      const { candidate } = toVerify[i]
      if (verdict.ok) candidate.needsVerification = false
      else {
        plan.reject(candidate, verdict.reason, verdict.detail)
        refused.add(candidate)
      }
    }
    return passed.filter((s) => !refused.has(s.candidate))
  }

  /** Decides the first occurrence of each inference id against the log's history and the projection. */
  async function settle(screened: Screened[], plan: Plan): Promise<void> {
    const ids = screened.map((s) => s.candidate.record.inferenceId)
    const [seen, pendingDigests] = await Promise.all([store.findSeen(db, ids), store.findPendingDigests(db, ids)])
    const claims: Candidate[] = []
    const waits: { candidate: Candidate; waitingFor: store.PendingRecord['waitingFor'] }[] = []
    for (const { candidate: c, authorization } of screened) {
      const id = c.record.inferenceId
      const earlier = seen.get(id)
      const waitingDigest = pendingDigests.get(id)
      if (waitingDigest === c.digest) plan.waiting.set(id, c.index)
      if (earlier) {
        if (earlier.digest !== c.digest) plan.reject(c, 'conflicting-duplicate', `inference ${id} was accepted before with other content`)
        else if (earlier.published) plan.decide(c, 'duplicate')
        else plan.publish(c, earlier.envelope!) // claimed before, never acknowledged: publish it now
      } else if (waitingDigest !== undefined && waitingDigest !== c.digest) {
        plan.reject(c, 'conflicting-duplicate', `inference ${id} is already waiting with other content`)
      } else if (authorization.status === 'ready') {
        claims.push(c)
      } else if (c.expired) {
        const missing = authorization.waitingFor[0]
        const missingId = missing === 'node' ? c.record.node : missing === 'model' ? c.record.modelId : c.record.agentId
        plan.reject(c, `unknown-${missing}`, `${missing} ${missingId} is still not in the projection and the record's wait is over`)
      } else if (waitingDigest === c.digest) {
        plan.decide(c, 'pending')
      } else {
        waits.push({ candidate: c, waitingFor: authorization.waitingFor })
      }
    }
    await claimAll(claims, plan)
    await waitAll(waits, plan)
  }

  /** Claims ids before publishing, so of two conflicting records racing in, only one is ever published. */
  async function claimAll(claims: Candidate[], plan: Plan) {
    const envelopes = new Map(claims.map((c) => [c.record.inferenceId, JSON.stringify(usageRecordEnvelope(c.record))]))
    const claimed = await store.claim(db, claims.map((c) => ({ inferenceId: c.record.inferenceId, digest: c.digest, source: c.source, envelope: envelopes.get(c.record.inferenceId)! })))
    const raced = await store.findSeen(db, claims.map((c) => c.record.inferenceId).filter((id) => !claimed.has(id)))
    for (const c of claims) {
      const id = c.record.inferenceId
      if (claimed.has(id)) plan.publish(c, envelopes.get(id)!)
      else if (raced.get(id)?.digest === c.digest) plan.decide(c, 'duplicate')
      else plan.reject(c, 'conflicting-duplicate', `inference ${id} was accepted concurrently with other content`)
    }
  }

  async function waitAll(allWaits: { candidate: Candidate; waitingFor: store.PendingRecord['waitingFor'] }[], plan: Plan) {
    const waits = allWaits.filter(({ candidate: c }) => {
      const full = options.pendingQuota.reserve(c.record.node)
      if (full) plan.reject(c, 'pending-limit', full)
      return !full
    })
    const stored = await store.addPending(db, waits.map(({ candidate: c, waitingFor }) => ({ ...c, waitingFor })))
    const raced = await store.findPendingDigests(db, waits.map((w) => w.candidate.record.inferenceId).filter((id) => !stored.has(id)))
    for (const { candidate: c } of waits) {
      const id = c.record.inferenceId
      if (!stored.has(id)) options.pendingQuota.release(c.record.node)
      if (stored.has(id) || raced.get(id) === c.digest) plan.decide(c, 'pending')
      else plan.reject(c, 'conflicting-duplicate', `inference ${id} is already waiting with other content`)
    }
  }

  async function commit(plan: Plan, recheck = false): Promise<void> {
    await publisher.publish([
      { topic: topics.usage, records: plan.envelopes.map((e) => e.record) },
      { topic: topics.deadLetter, records: plan.deadLetters.map((d) => d.record) },
    ])
    await store.markPublished(db, plan.envelopes.map((e) => e.inferenceId))
    const decided = [...plan.waiting].filter(([, index]) => plan.outcomes[index].status !== 'pending').map(([id]) => id)
    await store.removePending(db, decided)
    for (const [index, outcome] of plan.outcomes.entries()) {
      // A recheck that leaves a record waiting is no new outcome: it was counted as pending on arrival.
      if (recheck && outcome.status === 'pending') continue
      usageMetrics.records.inc({ source: plan.sources[index], outcome: outcome.status })
    }
    for (const d of plan.deadLetters) usageMetrics.rejected.inc({ source: d.source, reason: d.reason })
    if (plan.deadLetters.length > 0) {
      logger.debug({ rejected: plan.deadLetters.map((d) => d.reason) }, 'usage records dead-lettered')
    }
  }

  return {
    ingest,

    /** Dead-letters bytes refused before they could be split into records (an oversized body). */
    async refuse(origin: Omit<Origin, 'index'>, reason: string, detail: string): Promise<void> {
      const plan = new Plan(1)
      plan.reject({ ...origin, index: 0 }, reason, detail)
      await commit(plan)
    },

    /**
     * Checks waiting records against the projection again, a page at a time (oldest first, after `after`);
     * returns where the page ended, or undefined after the last page.
     */
    async recheckPending(limit: number, after?: store.PendingPage): Promise<store.PendingPage | undefined> {
      const chainTime = await projectionChainTime(db)
      const rows = await store.duePending(db, { chainTime, ...options.pending, limit, after })
      if (rows.length === 0) return undefined
      const plan = new Plan(rows.length)
      for (const [index, row] of rows.entries()) plan.waiting.set(row.record.inferenceId, index)
      // Stored waiting for its node: its signature has not been checked yet.
      const candidates: Candidate[] = rows.map((row, index) => ({ ...row, index, inferenceId: row.record.inferenceId, needsVerification: row.waitingFor.includes('node') }))
      const screened = await screen(candidates, plan)
      await settle(screened, plan)
      await commit(plan, true)
      // Verified now but still waiting (for its model or agent): not to be verified again next round.
      const verifiedWaiting = screened.filter((s) => rows[s.candidate.index].waitingFor.includes('node') && plan.outcomes[s.candidate.index].status === 'pending')
      await store.updateWaiting(db, verifiedWaiting.map((s) => ({ inferenceId: s.candidate.record.inferenceId, waitingFor: s.authorization.status === 'pending' ? s.authorization.waitingFor : [] })))
      return rows.length < limit ? undefined : rows[rows.length - 1].page
    },

    /** Publishes claims the log never acknowledged (a crash or an outage between claim and acknowledgement). */
    async republishUnacknowledged(minAgeMs: number, limit: number): Promise<number> {
      const claims = await store.unpublishedClaims(db, minAgeMs, limit)
      const records = claims.map((c) => ({
        key: (JSON.parse(c.envelope) as { payload: UsageRecord }).payload.modelId,
        value: Buffer.from(c.envelope),
        headers: { [TYPE_HEADER]: USAGE_RECORDED },
      }))
      await publisher.publish([{ topic: topics.usage, records }])
      await store.markPublished(db, claims.map((c) => c.inferenceId))
      return claims.length
    },
  }
}

export type UsageIngester = ReturnType<typeof createUsageIngester>
