import type { DataSource } from 'typeorm'
import { createDataSource } from './data-source.js'
import { UNDO_TRIGGERS } from './undo.js'

export interface SchemaStatus {
  /** Migrations in db/migrations the database has not applied. */
  pendingMigrations: string[]
  /** Projection tables without all of their undo triggers (installed with the migrations). */
  tablesWithoutUndoTrigger: string[]
}

/**
 * What `attrib migrate` (or the projector) still has to do to this database, found by reading only: a role
 * without any DDL right can ask.
 */
export async function schemaStatus(url: string): Promise<SchemaStatus> {
  const ds = createDataSource(url)
  await ds.initialize()
  try {
    return await statusOf(ds)
  } finally {
    await ds.destroy()
  }
}

async function statusOf(ds: DataSource): Promise<SchemaStatus> {
  const [{ exists }] = await ds.query(`SELECT to_regclass('migrations') IS NOT NULL AS exists`)
  const applied = new Set<string>(exists ? (await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name) : [])
  const pendingMigrations = ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name))
  const triggered = new Set<string>(
    (
      await ds.query(
        `SELECT c.relname AS table FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
         WHERE g.tgname = ANY($1) AND c.relnamespace = to_regnamespace(current_schema())
         GROUP BY c.relname HAVING count(*) = cardinality($1)`,
        [Object.keys(UNDO_TRIGGERS)],
      )
    ).map((r: { table: string }) => r.table),
  )
  const tablesWithoutUndoTrigger = ds.entityMetadatas.map((m) => m.tableName).filter((table) => !triggered.has(table))
  return { pendingMigrations, tablesWithoutUndoTrigger }
}

/** Refuses to go on unless the schema is current, saying what is missing and how to fix it. */
export async function assertSchemaCurrent(url: string): Promise<void> {
  const status = await schemaStatus(url)
  const problems = [
    ...(status.pendingMigrations.length ? [`${status.pendingMigrations.length} migration(s) not applied: ${status.pendingMigrations.join(', ')}`] : []),
    ...(status.tablesWithoutUndoTrigger.length ? [`tables without their undo trigger: ${status.tablesWithoutUndoTrigger.join(', ')}`] : []),
  ]
  if (problems.length > 0) {
    throw new Error(`the database schema is not current (${problems.join('; ')}): run \`attrib migrate\` (or start the projector) first; the API changes no schema`)
  }
}
