import type { DataSource } from 'typeorm'
import type { UsageRecord } from '../../domain/usage-record.js'
import type { Prerequisite } from './authenticate.js'

/**
 * The usage ingester's tables (db/migrations/*-UsageIngestion.js). Every statement stands alone: no transaction
 * is held open while the log is being written to (PGlite runs one transaction at a time).
 */
export interface SeenRecord {
  digest: string
  published: boolean
  envelope: string | null
}

export async function findSeen(db: DataSource, inferenceIds: string[]): Promise<Map<string, SeenRecord>> {
  if (inferenceIds.length === 0) return new Map()
  const rows: { inference_id: string; digest: string; envelope: string | null }[] = await db.query(
    `SELECT s.inference_id, s.digest, c.envelope
     FROM usage_record_seen s LEFT JOIN usage_claim c ON c.inference_id = s.inference_id
     WHERE s.inference_id = ANY($1::text[])`,
    [inferenceIds],
  )
  return new Map(rows.map((r) => [r.inference_id, { digest: r.digest, published: r.envelope === null, envelope: r.envelope }]))
}

export interface Claim {
  inferenceId: string
  digest: string
  source: string
  envelope: string
}

/**
 * Claims inference ids for publication; returns the ids this call claimed (not those claimed before). The digest
 * stays in usage_record_seen for good; the envelope waits in usage_claim until the log acknowledges it.
 */
export async function claim(db: DataSource, claims: Claim[]): Promise<Set<string>> {
  if (claims.length === 0) return new Set()
  const rows: { inference_id: string }[] = await db.query(
    `WITH claimed AS (
       INSERT INTO usage_record_seen (inference_id, digest, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (inference_id) DO NOTHING RETURNING inference_id
     )
     INSERT INTO usage_claim (inference_id, envelope)
     SELECT t.id, t.envelope FROM unnest($1::text[], $4::text[]) AS t(id, envelope) JOIN claimed c ON c.inference_id = t.id
     RETURNING inference_id`,
    [claims.map((c) => c.inferenceId), claims.map((c) => c.digest), claims.map((c) => c.source), claims.map((c) => c.envelope)],
  )
  return new Set(rows.map((r) => r.inference_id))
}

/** The log has acknowledged these envelopes: their claims end (the digest stays, for deduplication). */
export async function markPublished(db: DataSource, inferenceIds: string[]): Promise<void> {
  if (inferenceIds.length === 0) return
  await db.query('DELETE FROM usage_claim WHERE inference_id = ANY($1::text[])', [inferenceIds])
}

/** Claims the log never acknowledged (a crash, an outage), older than `minAgeMs` so requests in flight finish. */
export async function unpublishedClaims(db: DataSource, minAgeMs: number, limit: number): Promise<{ inferenceId: string; envelope: string }[]> {
  const rows: { inference_id: string; envelope: string }[] = await db.query(
    `SELECT inference_id, envelope FROM usage_claim
     WHERE claimed_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY claimed_at LIMIT $2`,
    [minAgeMs, limit],
  )
  return rows.map((r) => ({ inferenceId: r.inference_id, envelope: r.envelope }))
}

export interface PendingRecord {
  record: UsageRecord
  digest: string
  source: string
  position: string
  original: Buffer
  waitingFor: Prerequisite[]
}

export async function findPendingDigests(db: DataSource, inferenceIds: string[]): Promise<Map<string, string>> {
  if (inferenceIds.length === 0) return new Map()
  const rows: { inference_id: string; digest: string }[] = await db.query(
    'SELECT inference_id, digest FROM usage_pending WHERE inference_id = ANY($1::text[])',
    [inferenceIds],
  )
  return new Map(rows.map((r) => [r.inference_id, r.digest]))
}

/** Stores records to wait; returns the ids stored by this call (a record already waiting is left as it is). */
export async function addPending(db: DataSource, records: PendingRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set()
  const rows: { inference_id: string }[] = await db.query(
    `INSERT INTO usage_pending (inference_id, digest, source, position, record, original, record_time, waiting_for)
     SELECT id, digest, source, position, record, original, to_timestamp(seconds), string_to_array(waiting, ',')
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[], $7::bigint[], $8::text[])
       AS t(id, digest, source, position, record, original, seconds, waiting)
     ON CONFLICT (inference_id) DO NOTHING RETURNING inference_id`,
    [
      records.map((r) => r.record.inferenceId),
      records.map((r) => r.digest),
      records.map((r) => r.source),
      records.map((r) => r.position),
      records.map((r) => JSON.stringify(r.record)),
      records.map((r) => r.original),
      records.map((r) => r.record.timestamp),
      records.map((r) => r.waitingFor.join(',')),
    ],
  )
  return new Set(rows.map((r) => r.inference_id))
}

/** What waiting records still wait for (their node, once verified, no longer). */
export async function updateWaiting(db: DataSource, rows: { inferenceId: string; waitingFor: Prerequisite[] }[]): Promise<void> {
  if (rows.length === 0) return
  await db.query(
    `UPDATE usage_pending p SET waiting_for = string_to_array(t.waiting, ',')
     FROM unnest($1::text[], $2::text[]) AS t(id, waiting) WHERE p.inference_id = t.id`,
    [rows.map((r) => r.inferenceId), rows.map((r) => r.waitingFor.join(','))],
  )
}

/** Waiting records per claimed node. */
export async function countPendingByNode(db: DataSource): Promise<Map<string, number>> {
  const rows: { node: string; count: number }[] = await db.query("SELECT record->>'node' AS node, count(*)::int AS count FROM usage_pending GROUP BY 1")
  return new Map(rows.map((r) => [r.node, r.count]))
}

export async function removePending(db: DataSource, inferenceIds: string[]): Promise<void> {
  if (inferenceIds.length === 0) return
  await db.query('DELETE FROM usage_pending WHERE inference_id = ANY($1::text[])', [inferenceIds])
}

/** Where a walk through the waiting records is. */
export interface PendingPage {
  /** Postgres text form: keeps the microseconds a Date would drop. */
  receivedAt: string
  inferenceId: string
}

/**
 * The oldest waiting records (after `after`), each with whether its wait is over: the projection's chain time is more than
 * `graceSeconds` past the record's time, or it has waited `timeoutMs` whatever the projection says.
 */
export async function duePending(
  db: DataSource,
  options: { chainTime: Date | undefined; graceSeconds: number; timeoutMs: number; limit: number; after?: PendingPage },
): Promise<(PendingRecord & { expired: boolean; page: PendingPage })[]> {
  const rows: {
    record: UsageRecord
    digest: string
    source: string
    position: string
    original: Buffer
    waiting_for: Prerequisite[]
    expired: boolean
    received_at: string
    inference_id: string
  }[] = await db.query(
    `SELECT record, digest, source, position, original, waiting_for, received_at::text AS received_at, inference_id,
       (now() - received_at > make_interval(secs => $2::double precision / 1000)
        OR $1::timestamptz - record_time > make_interval(secs => $3)) IS TRUE AS expired
     FROM usage_pending WHERE (received_at, inference_id) > ($5::timestamptz, $6::text)
     ORDER BY received_at, inference_id LIMIT $4`,
    [options.chainTime ?? null, options.timeoutMs, options.graceSeconds, options.limit, options.after?.receivedAt ?? '-infinity', options.after?.inferenceId ?? ''],
  )
  return rows.map((r) => ({
    record: r.record,
    digest: r.digest,
    source: r.source,
    position: r.position,
    original: r.original,
    waitingFor: r.waiting_for,
    expired: r.expired,
    page: { receivedAt: r.received_at, inferenceId: r.inference_id },
  }))
}

export async function countPending(db: DataSource): Promise<number> {
  const [{ count }] = await db.query('SELECT count(*)::int AS count FROM usage_pending')
  return count
}
