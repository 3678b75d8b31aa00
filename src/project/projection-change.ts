import type { EntityManager } from 'typeorm'
import type { Queryable } from './projections/context.js'

/** The change token before and after a projector batch wrote its own (db/migrations/…ProjectionChangeToken). */
export interface ProjectionChange {
  before: string
  after: string
}

/**
 * Names the current transaction as the last projector batch. Called last in every batch's transaction, so the
 * row stays locked only until the commit.
 */
export async function markProjectionChanged(em: EntityManager): Promise<ProjectionChange> {
  const [row]: { before: string }[] = await em.query('SELECT xact::text AS before FROM projection_change FOR UPDATE')
  // An upsert: a table emptied by hand (TRUNCATE) gets its row back.
  const [{ after }]: { after: string }[] = await em.query(
    `INSERT INTO projection_change (singleton, xact) VALUES (true, pg_current_xact_id()::text::bigint)
     ON CONFLICT (singleton) DO UPDATE SET xact = excluded.xact RETURNING xact::text AS after`,
  )
  return { before: row?.before ?? '', after }
}

/** The token of the last committed batch (or, inside a batch's transaction that wrote it, its own). */
export async function readProjectionChange(q: Queryable): Promise<string> {
  const [row] = await q.query('SELECT xact::text AS xact FROM projection_change')
  return row?.xact ?? ''
}
