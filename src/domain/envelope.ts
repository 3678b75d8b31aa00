import { z } from 'zod'

/**
 * The one envelope every event on the log travels in (docs/events.md, "The envelope").
 * Amounts inside payloads are decimal strings on the wire; `bigint` only after parsing.
 */
export interface BlockRef {
  number: number
  hash: string
}

export type EventSource = 'chain' | 'usage'

export interface Envelope<Type extends string = string, Payload = unknown> {
  /** Deterministic: `chainId:blockHash:logIndex` for chain logs, the record's own id for usage records. */
  id: string
  type: Type
  version: number
  source: EventSource
  chainId?: number
  block?: BlockRef
  txHash?: string
  logIndex?: number
  /** ISO-8601, from the block timestamp or the record: never the wall clock of the indexer. */
  occurredAt: string
  payload: Payload
}

const hex = z.string().regex(/^0x[0-9a-f]*$/, 'lower-case 0x hex')

export const envelopeSchema = z.object({
  id: z.string().min(1).max(256),
  type: z.string().min(1).max(64),
  version: z.number().int().positive(),
  source: z.enum(['chain', 'usage']),
  chainId: z.number().int().positive().optional(),
  block: z.object({ number: z.number().int().nonnegative(), hash: hex }).optional(),
  txHash: hex.optional(),
  logIndex: z.number().int().nonnegative().optional(),
  occurredAt: z.iso.datetime(),
  payload: z.unknown(),
})

export function chainEventId(chainId: number, blockHash: string, logIndex: number): string {
  return `${chainId}:${blockHash}:${logIndex}`
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope))
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string; detail: string }

/** Parses the bytes of a log record into an envelope, or says why it cannot. Never throws. */
export function decodeEnvelope(bytes: Buffer | null): DecodeResult<Envelope> {
  if (bytes == null) return { ok: false, reason: 'empty-record', detail: 'record has no value' }
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    return { ok: false, reason: 'malformed-json', detail: (err as Error).message }
  }
  const parsed = envelopeSchema.safeParse(json)
  if (!parsed.success) {
    return { ok: false, reason: 'invalid-envelope', detail: z.prettifyError(parsed.error) }
  }
  return { ok: true, value: parsed.data as Envelope }
}
