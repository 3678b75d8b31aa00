import { readFile } from 'node:fs/promises'
import { Command } from 'commander'
import type { Hex, LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { loadConfig } from '../../config.js'
import { normaliseUsageRecord, unsignedUsageRecordSchema, usageTypedData, type UnsignedUsageRecord, type UsageRecord } from '../../domain/usage-record.js'
import type { UsageReply } from './http-source.js'

/**
 * The record producer of a node operator: signs records with the node's key (EIP-712) and posts them to
 * `POST /usage`. Used by `attrib usage send`, the workload generator and the tests.
 */
export async function signUsageRecord(account: LocalAccount, chainId: number, nodeRegistry: Hex, unsigned: UnsignedUsageRecord): Promise<UsageRecord> {
  const signature = await account.signTypedData(usageTypedData(chainId, nodeRegistry, unsigned))
  return normaliseUsageRecord({ ...unsigned, node: account.address, signature })
}

/** A reply other than 202; `retryAfterSeconds` is set on a 429 or a 503. */
export class UsagePostError extends Error {
  constructor(readonly status: number, readonly body: string, readonly retryAfterSeconds?: number) {
    super(`POST /usage answered ${status}: ${body.slice(0, 500)}`)
  }
}

/** Posts records (a JSON array) and returns the ingester's 202 reply; throws UsagePostError otherwise. */
export async function postUsageRecords(url: string, records: unknown[], options: { token?: string } = {}): Promise<UsageReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    body: JSON.stringify(records),
  })
  const body = await response.text()
  if (response.status !== 202) {
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN)
    throw new UsagePostError(response.status, body, Number.isFinite(retryAfter) ? retryAfter : undefined)
  }
  return JSON.parse(body) as UsageReply
}

export interface UsageSendOptions {
  /** The node's private key, 0x and 32 bytes of hex (default: USAGE_NODE_KEY). */
  key?: string
  /** NDJSON of unsigned records; `-` reads stdin. */
  file: string
  url?: string
  token?: string
  chainId?: string
  nodeRegistry?: string
  batch?: string
}

export type UsageSendSummary = Omit<UsageReply, 'results'> & { sent: number; rejections: UsageReply['results'] }

const MAX_ATTEMPTS = 5
const sendOptionsSchema = z.object({
  key: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'the node key must be 0x and 32 bytes of hex'),
  chainId: z.coerce.number().int().positive(),
  nodeRegistry: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'the node registry must be an address'),
  batch: z.coerce.number().int().positive(),
})

/** `attrib usage send`: validates every line first (nothing is sent if one is bad), then signs and posts in batches. */
export async function runUsageSendCommand(options: UsageSendOptions, env: NodeJS.ProcessEnv = process.env): Promise<UsageSendSummary> {
  const config = loadConfig(env)
  const settings = sendOptionsSchema.parse({
    key: options.key ?? config.usage.nodeKey,
    chainId: options.chainId ?? config.chain.chainId,
    nodeRegistry: options.nodeRegistry ?? config.chain.contracts.nodes,
    batch: options.batch ?? 500,
  })
  const url = options.url ?? `http://127.0.0.1:${config.usage.port}/usage`
  const token = options.token ?? config.usage.authToken
  const account = privateKeyToAccount(settings.key as Hex)
  const unsigned = parseUnsignedRecords(await readInput(options.file))

  const summary: UsageSendSummary = { sent: 0, accepted: 0, duplicates: 0, pending: 0, rejected: 0, rejections: [] }
  for (let start = 0; start < unsigned.length; start += settings.batch) {
    const batch = unsigned.slice(start, start + settings.batch)
    const signed = await Promise.all(batch.map((r) => signUsageRecord(account, settings.chainId, settings.nodeRegistry as Hex, r)))
    const reply = await postWithRetry(url, signed, token)
    summary.sent += signed.length
    summary.accepted += reply.accepted
    summary.duplicates += reply.duplicates
    summary.pending += reply.pending
    summary.rejected += reply.rejected
    summary.rejections.push(...reply.results.filter((r) => r.status === 'rejected').map((r) => ({ ...r, index: r.index + start })))
  }
  return summary
}

/**
 * Sending the same records again is safe (an identical record is a duplicate), so a 503 (the log is down) or a
 * 429 (the endpoint's verification budget is spent) is retried after the Retry-After it gives.
 */
async function postWithRetry(url: string, records: UsageRecord[], token: string | undefined): Promise<UsageReply> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postUsageRecords(url, records, { token })
    } catch (err) {
      if (!(err instanceof UsagePostError) || ![429, 503].includes(err.status) || attempt === MAX_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, (err.retryAfterSeconds ?? 1) * 1000))
    }
  }
}

function parseUnsignedRecords(text: string): UnsignedUsageRecord[] {
  const records: UnsignedUsageRecord[] = []
  const problems: string[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (err) {
      problems.push(`line ${i + 1}: ${(err as Error).message}`)
      continue
    }
    const parsed = unsignedUsageRecordSchema.safeParse(json)
    if (parsed.success) records.push(parsed.data)
    else problems.push(`line ${i + 1}: ${z.prettifyError(parsed.error)}`)
  }
  if (problems.length > 0) throw new Error(`invalid unsigned usage records, nothing sent:\n${problems.slice(0, 20).join('\n')}`)
  return records
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** `attrib usage send ...`, for the CLI: `program.addCommand(usageCommand())`. */
export function usageCommand(): Command {
  const usage = new Command('usage').description('usage records of inference nodes')
  usage
    .command('send')
    .description('sign usage records with an inference node key (EIP-712) and POST them to the usage ingester')
    .requiredOption('--file <path>', 'NDJSON of unsigned records {inferenceId, modelId, agentId, tokensIn, tokensOut, timestamp, attributions}; "-" for stdin')
    .option('--key <hex>', 'the node private key (default: $USAGE_NODE_KEY)')
    .option('--url <url>', 'the ingester (default: http://127.0.0.1:$USAGE_PORT/usage)')
    .option('--token <token>', 'bearer token of the endpoint (default: $USAGE_AUTH_TOKEN)')
    .option('--chain-id <id>', 'the EIP-712 domain chain id (default: $CHAIN_ID)')
    .option('--node-registry <address>', 'the EIP-712 verifying contract (default: $INFERENCE_NODE_REGISTRY_ADDRESS)')
    .option('--batch <n>', 'records per request', '500')
    .action(async (options: UsageSendOptions) => {
      try {
        const summary = await runUsageSendCommand(options)
        process.stdout.write(`${JSON.stringify(summary)}\n`)
        if (summary.rejected > 0) process.exitCode = 1
      } catch (err) {
        process.stderr.write(`attrib usage send: ${(err as Error).message}\n`)
        process.exitCode = 1
      }
    })
  return usage
}
