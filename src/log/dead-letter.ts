import type { LogRecord, OutgoingRecord } from './log.js'

/**
 * A record that could not be accepted, kept whole: the original bytes as the value, and why in the headers,
 * so nothing is lost and an operator can re-drive it after a fix.
 */
export interface DeadLetter {
  /** Deterministic, so a dead letter published twice is stored once (e.g. the chain event id). */
  key: string
  /** Which stage refused it: `chain-ingest`, `usage-ingest`, `project`. */
  stage: string
  /** Machine-readable, kebab-case: `undecodable-log`, `invalid-envelope`, ... */
  reason: string
  detail: string
  original: Buffer
  eventId?: string
}

const HEADER = { stage: 'dl-stage', reason: 'dl-reason', detail: 'dl-detail', eventId: 'dl-event-id' } as const

export function deadLetterRecord(dl: DeadLetter): OutgoingRecord {
  const headers: Record<string, string> = {
    [HEADER.stage]: dl.stage,
    [HEADER.reason]: dl.reason,
    [HEADER.detail]: dl.detail.slice(0, 4096),
  }
  if (dl.eventId) headers[HEADER.eventId] = dl.eventId
  return { key: dl.key, value: dl.original, headers }
}

export function readDeadLetterRecord(record: LogRecord): DeadLetter {
  return {
    key: record.key ?? `${record.topic}:${record.partition}:${record.offset}`,
    stage: record.headers[HEADER.stage] ?? 'unknown',
    reason: record.headers[HEADER.reason] ?? 'unknown',
    detail: record.headers[HEADER.detail] ?? '',
    original: record.value ?? Buffer.alloc(0),
    eventId: record.headers[HEADER.eventId],
  }
}
