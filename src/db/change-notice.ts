import type { EntityManager } from 'typeorm'

/** The channel the projection notifies (db/migrations/1795620000000-ApiNotifications.js and `noticeCommit`). */
export const CHANGES_CHANNEL = 'attrib_changes'

/**
 * Tells every API instance, when this transaction commits, that the projection in `schema` changed, so responses
 * cached before it are stale. Each writer of the projection calls it once per transaction: a projector batch, an
 * epoch close, a replay's switch-over. NOTIFY is transactional, so a rolled-back batch announces nothing.
 */
export async function noticeCommit(em: Pick<EntityManager, 'query'>, schema?: string): Promise<void> {
  await em.query(`SELECT pg_notify($1, json_build_object('kind', 'commit', 'schema', coalesce($2, current_schema()))::text)`, [
    CHANGES_CHANNEL,
    schema ?? null,
  ])
}
