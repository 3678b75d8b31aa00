import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from '../../logger.js'
import { registry } from '../../metrics.js'
import { createAdmission, type BudgetScope } from './admission.js'
import { splitBody } from './body.js'
import type { UsageConfig } from './config.js'
import type { RecordOutcome, UsageIngester } from './ingester.js'
import { usageMetrics } from './metrics.js'
import { LogUnavailable } from './publisher.js'

/**
 * `POST /usage`: one record, a JSON array, or NDJSON. Answers 202 only after the log has acknowledged every
 * accepted record and every dead letter, 413 for a body over the limit, 429 + Retry-After when the request's
 * records would exceed its client's or the overall verification budget (none of its records was checked: send it
 * again later), 503 + Retry-After when the log (or the database) is unavailable, in which case nothing is
 * confirmed and the client should send the same body again. With USAGE_NODE_TOKENS, a node's own bearer token
 * admits that node's records only, under a budget of its own. Also `GET /healthz` and `GET /metrics`.
 */
export interface UsageReply {
  accepted: number
  duplicates: number
  pending: number
  rejected: number
  results: RecordOutcome[]
}

/** How much of an oversized body is kept in its dead letter. */
const OVERSIZED_KEPT_BYTES = 64 << 10
/** An oversized body is read to its end (so the client sees the 413) unless it goes on past this many times the limit. */
const OVERSIZED_DRAIN_FACTOR = 8

export async function startUsageHttpServer(options: {
  ingester: UsageIngester
  config: Pick<UsageConfig, 'port' | 'authToken' | 'nodeTokens' | 'verifyBudget' | 'maxBodyBytes' | 'maxRecordBytes' | 'retryAfterSeconds'>
  logger: Logger
}): Promise<Server> {
  const { ingester, config, logger } = options
  const admission = createAdmission(config.verifyBudget)
  const authenticate = authenticator(config)
  const server = createServer((req, res) => {
    route(req, res).catch((err) => {
      logger.error({ err }, 'usage request failed')
      if (!res.headersSent) reply(res, 500, { error: 'internal-error' })
      else res.destroy()
    })
  })

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://usage').pathname
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { status: 'ok' })
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics())
      return
    }
    if (path !== '/usage') return reply(res, 404, { error: 'not-found' })
    if (req.method !== 'POST') return reply(res, 405, { error: 'method-not-allowed' }, { allow: 'POST' })
    const caller = authenticate(req.headers.authorization)
    if (!caller) {
      req.resume()
      return reply(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="usage"' })
    }
    const body = await readBody(req, config.maxBodyBytes)
    if (body.oversized) return refuseOversized(res, body)
    const client = caller.node ? `node ${caller.node}` : `address ${req.socket.remoteAddress ?? 'unknown'}`
    const shed = (refused: BudgetScope, records: number) => {
      const scope = refused === 'overall' ? 'overall' : caller.node ? 'node' : 'address'
      usageMetrics.shedRequests.inc({ scope })
      usageMetrics.shedRecords.inc({ scope }, records)
      return reply(res, 429, { error: 'busy', budget: scope }, { 'retry-after': String(config.verifyBudget.retryAfterSeconds) })
    }
    // A byte scan first, so a request the budget refuses anyway costs no JSON parsing; the admission proper
    // counts the parsed records (a key written with escapes hides from the scan, not from the parse).
    const estimate = countSignatureKeys(body.bytes)
    const early = admission.check(client, estimate)
    if (early) return shed(early, estimate)
    const ndjson = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/x-ndjson'
    const items = splitBody(body.bytes, ndjson, {
      maxRecordBytes: config.maxRecordBytes,
      position: (index, line) => (line === undefined ? `http item ${index}` : `http line ${line}`),
    })
    if (items.length === 0) return reply(res, 400, { error: 'empty-body' })
    const admitted = admission.admit(client, items.length)
    if ('refused' in admitted) return shed(admitted.refused, items.length)
    let outcomes: RecordOutcome[]
    try {
      outcomes = await ingester.ingest(items, 'http', { tokenNode: caller.node })
    } catch (err) {
      const error = unavailability(err)
      if (!error) throw err
      logger.warn({ err }, 'usage records not confirmed; answering 503')
      return reply(res, 503, { error }, { 'retry-after': String(config.retryAfterSeconds) })
    } finally {
      admitted.release()
    }
    reply(res, 202, summarise(outcomes))
  }

  async function refuseOversized(res: ServerResponse, body: { bytes: Buffer; received: number }) {
    const detail = `body exceeds ${config.maxBodyBytes} bytes (${body.received} received); its first ${body.bytes.length} bytes are kept`
    await ingester.refuse({ source: 'http', position: 'http body', original: body.bytes }, 'body-too-large', detail).catch((err) => {
      logger.warn({ err }, 'could not dead-letter an oversized body')
    })
    reply(res, 413, { error: 'body-too-large', limit: config.maxBodyBytes }, { connection: 'close' })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, '0.0.0.0', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

export function summarise(outcomes: RecordOutcome[]): UsageReply {
  const count = (status: RecordOutcome['status']) => outcomes.filter((o) => o.status === status).length
  return { accepted: count('accepted'), duplicates: count('duplicate'), pending: count('pending'), rejected: count('rejected'), results: outcomes }
}

/** A failure of the infrastructure rather than of the request: the client should retry. */
function unavailability(err: unknown): string | undefined {
  if (err instanceof LogUnavailable) return 'log-unavailable'
  const code = String((err as { code?: unknown }).code ?? (err as { driverError?: { code?: unknown } }).driverError?.code ?? '')
  // Connection refused/reset/timed out, or a Postgres connection (08) or operator-intervention (57) error.
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08|57)/.test(code) || /Connection terminated/i.test((err as Error).message ?? '')) {
    return 'database-unavailable'
  }
  return undefined
}

/**
 * Who a request is: anyone when no token is configured; with the shared token, any node; with a node's own
 * token, that node. Undefined: refused (401). Tokens are compared as SHA-256 digests, in constant time for the
 * shared one and by a lookup of the digest for node tokens, so the comparison says nothing about a token's bytes.
 */
function authenticator(config: Pick<UsageConfig, 'authToken' | 'nodeTokens'>): (header: string | undefined) => { node?: string } | undefined {
  const digest = (s: string) => createHash('sha256').update(s).digest()
  const shared = config.authToken === undefined ? undefined : digest(config.authToken)
  const nodeByDigest = new Map([...config.nodeTokens].map(([token, node]) => [digest(token).toString('hex'), node]))
  if (!shared && nodeByDigest.size === 0) return () => ({})
  return (header) => {
    const presented = digest(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '')
    if (shared && timingSafeEqual(presented, shared)) return {}
    const node = nodeByDigest.get(presented.toString('hex'))
    return node ? { node } : undefined
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ bytes: Buffer; received: number; oversized: boolean }> {
  const chunks: Buffer[] = []
  let received = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    const room = limit - received
    received += chunk.length
    if (room > 0) chunks.push(chunk.subarray(0, room))
    if (received > limit * OVERSIZED_DRAIN_FACTOR) {
      req.destroy()
      break
    }
  }
  const bytes = Buffer.concat(chunks)
  const oversized = received > limit
  return { bytes: oversized ? bytes.subarray(0, OVERSIZED_KEPT_BYTES) : bytes, received, oversized }
}

const SIGNATURE_KEY = Buffer.from('"signature"')

/** How many records a body holds, as far as a byte scan can tell: each record has one signature key. */
export function countSignatureKeys(body: Buffer): number {
  let count = 0
  for (let at = body.indexOf(SIGNATURE_KEY); at >= 0; at = body.indexOf(SIGNATURE_KEY, at + SIGNATURE_KEY.length)) count++
  return count
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}
