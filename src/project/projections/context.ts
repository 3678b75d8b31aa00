import type { EntityManager } from 'typeorm'
import type { ChainEvent, ChainEventType } from '../../domain/chain-events.js'
import { Contributor } from '../../model/index.js'

/** What reads the projection: a transaction's entity manager, or a snapshot read ahead of it (plan-ahead.ts). */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<any>
}

export type Of<T extends ChainEventType> = Extract<ChainEvent, { type: T }>

/** The block, time and transaction of an on-chain event (control events have none and never get here). */
export function onChain(event: ChainEvent) {
  if (event.block == null || event.logIndex == null) throw new Error(`${event.type} ${event.id} has no block`)
  return {
    blockNumber: event.block.number,
    logIndex: event.logIndex,
    at: new Date(event.occurredAt),
    txHash: event.txHash ?? '',
  }
}

/** Makes sure the address has a Contributor row; the earliest block it was seen at wins. */
export async function ensureContributor(em: EntityManager, address: string, block: number): Promise<Contributor> {
  await em.query(
    `INSERT INTO contributor (id, first_seen_block) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET first_seen_block = LEAST(contributor.first_seen_block, excluded.first_seen_block)
     WHERE excluded.first_seen_block < contributor.first_seen_block`,
    [address, block],
  )
  return new Contributor({ id: address })
}
