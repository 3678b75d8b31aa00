import type { DataSource, EntityManager } from 'typeorm'
import type { BlockRef } from '../domain/envelope.js'

/**
 * Columns only ever changed by adding to them. Usage joins and epoch closes add to these rows outside the
 * chain's order, so undoing a block subtracts what the block added instead of putting its before-image back
 * (db/migrations/1795640000000-CommutingUndo.js).
 */
export const COUNTER_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  epoch: ['inferences', 'fees', 'platform_fees', 'net_fees', 'stakers_pool', 'rolled_in'],
  model_epoch_stat: ['inferences', 'fees', 'net_fees', 'data_part'],
  agent_epoch_stat: ['inferences', 'fees'],
  contributor_epoch_stat: ['amount', 'attributions'],
  datanet_epoch_stat: ['amount', 'attributions'],
  attribution_epoch_stat: ['amount', 'attributions'],
}

/** The undo triggers every projection table has, one per event (a transition table serves one event). */
export const UNDO_TRIGGERS = {
  attrib_undo_inserted: { event: 'INSERT', tables: 'NEW TABLE AS inserted' },
  attrib_undo_updated: { event: 'UPDATE', tables: 'OLD TABLE AS updated_before NEW TABLE AS updated_after' },
  attrib_undo_deleted: { event: 'DELETE', tables: 'OLD TABLE AS deleted' },
} as const

/**
 * Fork safety for every projection table, without each projection having to think about it: statement triggers
 * record the rows each statement changes while a hot block is being applied (db/migrations,
 * attrib_record_undo_rows), and undoing a block reverts those changes newest first (attrib_undo_blocks):
 * counters by subtraction, other columns to their before-values.
 */
export async function ensureUndoTriggers(ds: DataSource): Promise<void> {
  for (const { tableName, columns } of ds.entityMetadatas) {
    const [{ exists }] = await ds.query('SELECT to_regclass($1) IS NOT NULL AS exists', [`"${tableName}"`])
    if (!exists) continue // a table whose migration is not written yet (while generating it)
    const counters = COUNTER_COLUMNS[tableName] ?? []
    const unknown = counters.filter((c) => !columns.some((column) => column.databaseName === c))
    if (unknown.length > 0) throw new Error(`counter columns ${unknown.join(', ')} are not columns of ${tableName}`)
    for (const [name, { event, tables }] of Object.entries(UNDO_TRIGGERS)) {
      await ds.query(
        // The WHEN clause keeps final blocks (a catch-up's bulk) from calling the trigger function at all.
        `CREATE OR REPLACE TRIGGER ${name} AFTER ${event} ON "${tableName}" REFERENCING ${tables}
         FOR EACH STATEMENT WHEN (coalesce(current_setting('attrib.undo_block', true), '') <> '')
         EXECUTE FUNCTION attrib_record_undo_rows(${counters.map((c) => `'${c}'`).join(', ')})`,
      )
    }
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
