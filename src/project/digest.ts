import { createHash } from 'node:crypto'
import type { DataSource } from 'typeorm'

/**
 * A canonical hash of the projected state: every entity table (from schema.graphql), rows ordered by id in
 * byte order, each row as jsonb text (keys sorted by Postgres, numbers exact, times in UTC). Two projections of
 * the same log have the same digest, however they got there (live with forks and crashes, or a replay).
 */
export async function projectionDigest(db: DataSource): Promise<{ digest: string; tables: Record<string, { rows: number; hash: string }> }> {
  const tableNames = db.entityMetadatas.map((m) => m.tableName).sort()
  const tables: Record<string, { rows: number; hash: string }> = {}
  await db.transaction('REPEATABLE READ', async (em) => {
    await em.query("SET LOCAL TimeZone = 'UTC'")
    for (const table of tableNames) {
      const [row] = await em.query(
        `SELECT count(*)::int AS rows,
                coalesce(md5(string_agg(to_jsonb(t)::text, E'\\n' ORDER BY t.id COLLATE "C")), '') AS hash
         FROM "${table}" t`,
      )
      tables[table] = { rows: row.rows, hash: row.hash }
    }
  })
  const digest = createHash('sha256')
  for (const table of tableNames) digest.update(`${table}:${tables[table].rows}:${tables[table].hash}\n`)
  return { digest: digest.digest('hex'), tables }
}
