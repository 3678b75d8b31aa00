import type { EntityManager } from 'typeorm'
import { forgetUndoUpTo, undoBlocks } from '../../db/undo.js'
import type { Of } from './context.js'
import { compareRoots } from './epochs.js'

/** Forks and finality, as the ingester reports them. */
export async function onBlocksOrphaned(em: EntityManager, event: Of<'BlocksOrphaned'>): Promise<void> {
  await undoBlocks(em, event.payload.blocks.map((b) => b.hash))
  // Joins waiting for the orphaned blocks wait for their settlements to be mined again instead.
  await em.query('DELETE FROM deferred_join WHERE block_number >= $1', [Math.min(...event.payload.blocks.map((b) => b.number))])
  await compareRoots(em)
}

export async function onBlocksFinalized(em: EntityManager, event: Of<'BlocksFinalized'>): Promise<void> {
  const { head } = event.payload
  await em.query(
    `INSERT INTO chain_state (chain_id, finalized_height, finalized_hash) VALUES ($1, $2, $3)
     ON CONFLICT (chain_id) DO UPDATE SET finalized_height = excluded.finalized_height, finalized_hash = excluded.finalized_hash
     WHERE excluded.finalized_height > chain_state.finalized_height`,
    [event.chainId, head.number, head.hash],
  )
  await forgetUndoUpTo(em, head.number)
}
