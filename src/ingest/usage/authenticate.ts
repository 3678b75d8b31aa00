import type { DataSource } from 'typeorm'
import type { Hex } from 'viem'
import type { UsageRecord } from '../../domain/usage-record.js'

/**
 * Who may speak for an inference: the EIP-712 signature must recover to the record's `node` (verify.ts), and
 * that node must have been registered, and not revoked, at the record's time, as the projected node registry says.
 */
export interface SigningDomain {
  chainId: number
  nodeRegistry: Hex
}

export type Verdict = { ok: true } | { ok: false; reason: string; detail: string }

export type Prerequisite = 'node' | 'model' | 'agent'

export type Authorization =
  | { status: 'ready' }
  | { status: 'pending'; waitingFor: Prerequisite[] }
  | { status: 'rejected'; reason: string; detail: string }

export interface RegistryFacts {
  node?: { registeredAt: Date; revokedAt: Date | null }
  modelKnown: boolean
  agentKnown: boolean
}

/** Agent id 0 is a direct call, made by no agent. */
export const NO_AGENT = '0'

/** Judges one record against what the projection knows. A node or model not seen yet may still come: wait. */
export function authorizeRecord(record: UsageRecord, facts: RegistryFacts): Authorization {
  const at = record.timestamp * 1000
  const { node } = facts
  if (node && node.registeredAt.getTime() > at) {
    // A record stamped before its node existed is misdated or forged.
    return { status: 'rejected', reason: 'node-not-yet-registered', detail: `node ${record.node} was registered at ${node.registeredAt.toISOString()}, after the record's time ${isoOf(record)}` }
  }
  if (node?.revokedAt && node.revokedAt.getTime() <= at) {
    return { status: 'rejected', reason: 'revoked-node', detail: `node ${record.node} was revoked at ${node.revokedAt.toISOString()}, at or before the record's time ${isoOf(record)}` }
  }
  const waitingFor: Prerequisite[] = []
  if (!node) waitingFor.push('node')
  if (!facts.modelKnown) waitingFor.push('model')
  if (!facts.agentKnown) waitingFor.push('agent')
  return waitingFor.length > 0 ? { status: 'pending', waitingFor } : { status: 'ready' }
}

function isoOf(record: UsageRecord): string {
  return new Date(record.timestamp * 1000).toISOString()
}

/** Looks up the nodes, models and agents of a batch in the projection and judges each record. */
export async function authorizeRecords(db: DataSource, records: UsageRecord[]): Promise<Authorization[]> {
  if (records.length === 0) return []
  const unique = (values: string[]) => [...new Set(values)]
  const [nodes, models, agents] = await Promise.all([
    db.query('SELECT id, registered_at, revoked_at FROM inference_node WHERE id = ANY($1::text[])', [unique(records.map((r) => r.node))]),
    db.query('SELECT id FROM model WHERE id = ANY($1::text[])', [unique(records.map((r) => r.modelId))]),
    db.query('SELECT id FROM agent WHERE id = ANY($1::text[])', [unique(records.map((r) => r.agentId).filter((a) => a !== NO_AGENT))]),
  ])
  const nodeById = new Map<string, RegistryFacts['node']>(
    nodes.map((n: { id: string; registered_at: Date; revoked_at: Date | null }) => [n.id, { registeredAt: n.registered_at, revokedAt: n.revoked_at }]),
  )
  const modelIds = new Set(models.map((m: { id: string }) => m.id))
  const agentIds = new Set(agents.map((a: { id: string }) => a.id))
  return records.map((record) =>
    authorizeRecord(record, {
      node: nodeById.get(record.node),
      modelKnown: modelIds.has(record.modelId),
      agentKnown: record.agentId === NO_AGENT || agentIds.has(record.agentId),
    }),
  )
}

/**
 * How far the projection has followed the chain in time: the latest on-chain timestamp among projected
 * registrations. Chain events are projected in order, so a node or model absent from the projection once this
 * is past a record's time was not registered at that time. Undefined while nothing is projected.
 */
export async function projectionChainTime(db: DataSource): Promise<Date | undefined> {
  const [row] = await db.query(`SELECT GREATEST(
      (SELECT max(registered_at) FROM inference_node),
      (SELECT max(revoked_at) FROM inference_node),
      (SELECT registered_at FROM model ORDER BY registered_at_block DESC LIMIT 1),
      (SELECT max(registered_at) FROM agent),
      (SELECT created_at FROM datanet ORDER BY created_at_block DESC LIMIT 1),
      (SELECT submitted_at FROM contribution ORDER BY submitted_at_block DESC LIMIT 1)
    ) AS chain_time`)
  return row?.chain_time ?? undefined
}
