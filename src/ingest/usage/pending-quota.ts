import type { DataSource } from 'typeorm'
import { countPendingByNode } from './store.js'

/**
 * The bound on waiting records: at most `perNode` per claimed node and `total` in all. Records claiming a node
 * not projected yet wait without a signature check, so without a bound anyone could fill the pending table;
 * the per-node bound keeps a flood claiming one unseen node from crowding out the records of another.
 * Counts are kept in memory, raised as records are stored and re-read from the table each sweeper round (a
 * record that left the table is forgotten then), so between rounds they can only over-count: the bound holds.
 */
export interface PendingQuota {
  /** Reserves room for one record of `node`; returns why there is none, or undefined. */
  reserve(node: string): string | undefined
  /** Gives back a reservation that was not used (the record was not stored). */
  release(node: string): void
  /** Re-reads the counts from the pending table. */
  refresh(db: DataSource): Promise<void>
}

export function createPendingQuota(limits: { perNode: number; total: number }): PendingQuota {
  let byNode = new Map<string, number>()
  let total = 0
  /** Reservations made while a refresh reads the table: added to what it reads, which may or may not hold them. */
  let duringRefresh: Map<string, number> | undefined
  return {
    reserve(node) {
      const count = byNode.get(node) ?? 0
      if (total >= limits.total) return `${total} records are waiting, the most allowed (USAGE_PENDING_MAX); send it again later`
      if (count >= limits.perNode) return `${count} records of node ${node} are waiting, the most allowed per node (USAGE_PENDING_MAX_PER_NODE); send it again once the node is registered`
      byNode.set(node, count + 1)
      total += 1
      duringRefresh?.set(node, (duringRefresh.get(node) ?? 0) + 1)
      return undefined
    },
    release(node) {
      const count = byNode.get(node) ?? 0
      if (count > 0) {
        byNode.set(node, count - 1)
        total -= 1
      }
    },
    async refresh(db) {
      const during = (duringRefresh = new Map())
      try {
        const counted = await countPendingByNode(db)
        for (const [node, count] of during) counted.set(node, (counted.get(node) ?? 0) + count)
        byNode = counted
        total = [...counted.values()].reduce((a, b) => a + b, 0)
      } finally {
        duringRefresh = undefined
      }
    },
  }
}
