import type { DataSource, EntityManager } from 'typeorm'
import type { BlockRef } from '../domain/envelope.js'

/**
 * Fork safety for every projection table, without each projection having to think about it: a trigger records
 * the before-image of each row changed while a hot block is being applied (db/migrations, attrib_record_undo),
 * and undoing a block restores those images newest first (attrib_undo_blocks).
 */
export async function ensureUndoTriggers(ds: DataSource): Promise<void> {
  for (const { tableName } of ds.entityMetadatas) {
    const [{ exists }] = await ds.query('SELECT to_regclass($1) IS NOT NULL AS exists', [`"${tableName}"`])
    if (!exists) continue // a table whose migration is not written yet (while generating it)
    await ds.query(
      // The WHEN clause keeps final blocks (a catch-up's bulk) from calling the trigger function per row.
      `CREATE OR REPLACE TRIGGER attrib_undo AFTER INSERT OR UPDATE OR DELETE ON "${tableName}"
       FOR EACH ROW WHEN (coalesce(current_setting('attrib.undo_block', true), '') <> '')
       EXECUTE FUNCTION attrib_record_undo()`,
    )
  }
}

/** From here to the end of the transaction (or the next call), changes are recorded as those of `block`. */
export async function recordChangesOf(em: EntityManager, block: BlockRef | null): Promise<void> {
  await em.query("SELECT set_config('attrib.undo_block', $1, true)", [block ? `${block.number}:${block.hash}` : ''])
}

export async function undoBlocks(em: EntityManager, hashes: string[]): Promise<number> {
  const [{ undone }] = await em.query('SELECT attrib_undo_blocks($1) AS undone', [hashes])
  return undone
}

/** Blocks at or below `height` are final: their before-images can never be needed again. */
export async function forgetUndoUpTo(em: EntityManager, height: number): Promise<void> {
  await em.query('DELETE FROM undo_log WHERE block_number <= $1', [height])
}
