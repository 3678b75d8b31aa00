import type { Env } from '../../settings.js'

/**
 * The usage ingester's own settings, the `usage` part of the `Config` (the shared ones, chain id, node registry
 * and topic names, are the rest of it).
 */
export interface UsageConfig {
  port: number
  authToken?: string
  dir?: string
  dirPollMs: number
  fileSettleMs: number
  maxBodyBytes: number
  maxRecordBytes: number
  rawGroup: string
  maxFutureSkewSeconds: number
  pending: { recheckMs: number; graceSeconds: number; timeoutMs: number }
  publishTimeoutMs: number
  retryAfterSeconds: number
  /** Token → the node it authenticates. */
  nodeTokens: Map<string, string>
  verifyBudget: { total: number; perClient: number; retryAfterSeconds: number }
  pendingLimits: { perNode: number; total: number }
  nativeCrypto: boolean
  /** The key `attrib usage send` signs with when given none. */
  nodeKey?: string
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** `0xnode=token,0xother=token2` → token → node (lower-case). */
function parseNodeTokens(text: string | undefined): Map<string, string> {
  const tokens = new Map<string, string>()
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const at = pair.indexOf('=')
    const node = pair.slice(0, at).trim()
    const token = pair.slice(at + 1).trim()
    if (at < 0 || !ADDRESS.test(node)) throw new Error('invalid usage ingestion configuration: USAGE_NODE_TOKENS must be <node address>=<token> pairs separated by commas')
    if (token.length < 16) throw new Error(`invalid usage ingestion configuration: USAGE_NODE_TOKENS: the token of ${node} must be at least 16 characters`)
    if (tokens.has(token)) throw new Error('invalid usage ingestion configuration: USAGE_NODE_TOKENS: two nodes share a token')
    tokens.set(token, node.toLowerCase())
  }
  return tokens
}

/** The usage part of loadConfig; throws on USAGE_NODE_TOKENS that do not parse. */
export function resolveUsageConfig(e: Env): UsageConfig {
  return {
    port: e.USAGE_PORT,
    authToken: e.USAGE_AUTH_TOKEN,
    dir: e.USAGE_DIR,
    dirPollMs: e.USAGE_DIR_POLL_MS,
    fileSettleMs: e.USAGE_FILE_SETTLE_MS,
    maxBodyBytes: e.USAGE_MAX_BODY_BYTES,
    maxRecordBytes: e.USAGE_MAX_RECORD_BYTES,
    rawGroup: e.USAGE_RAW_GROUP,
    maxFutureSkewSeconds: e.USAGE_MAX_FUTURE_SKEW_SECONDS,
    pending: { recheckMs: e.USAGE_PENDING_RECHECK_MS, graceSeconds: e.USAGE_PENDING_GRACE_SECONDS, timeoutMs: e.USAGE_PENDING_TIMEOUT_MS },
    publishTimeoutMs: e.USAGE_PUBLISH_TIMEOUT_MS,
    retryAfterSeconds: e.USAGE_RETRY_AFTER_SECONDS,
    nodeTokens: parseNodeTokens(e.USAGE_NODE_TOKENS),
    verifyBudget: { total: e.USAGE_VERIFY_BUDGET, perClient: e.USAGE_VERIFY_BUDGET_PER_CLIENT, retryAfterSeconds: e.USAGE_BUSY_RETRY_AFTER_SECONDS },
    pendingLimits: { perNode: e.USAGE_PENDING_MAX_PER_NODE, total: e.USAGE_PENDING_MAX },
    nativeCrypto: e.USAGE_NATIVE_CRYPTO === 'on',
    nodeKey: e.USAGE_NODE_KEY,
  }
}
