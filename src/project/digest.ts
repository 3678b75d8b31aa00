import { createHash } from 'node:crypto'
import type { DataSource } from 'typeorm'

/**
 * A canonical hash of the projected state: every entity table (from schema.graphql), rows ordered by id in
 * byte order within 256 buckets of ids, each row as jsonb text (keys sorted by Postgres, numbers exact, times
 * in UTC). Two projections of the same log have the same digest, however they got there (live with forks and
 * crashes, or a replay).
 */
export async function projectionDigest(db: DataSource): Promise<{ digest: string; tables: Record<string, { rows: number; hash: string }> }> {
  const tableNames = db.entityMetadatas.map((m) => m.tableName).sort()
  const tables: Record<string, { rows: number; hash: string }> = {}
  await db.transaction('REPEATABLE READ', async (em) => {
    await em.query("SET LOCAL TimeZone = 'UTC'")
    for (const table of tableNames) {
      // Two levels, so no aggregate outgrows PostgreSQL's 1 GB string limit: rows hashed in 256 buckets by id
      // (each ordered by id), then the buckets' hashes in bucket order.
      const [row] = await em.query(
        `SELECT coalesce(sum(n), 0)::int AS rows, coalesce(md5(string_agg(h, E'\\n' ORDER BY b)), '') AS hash
         FROM (SELECT left(md5(t.id), 2) AS b, count(*) AS n,
                      md5(string_agg(md5(to_jsonb(t)::text), E'\\n' ORDER BY t.id COLLATE "C")) AS h
               FROM "${table}" t GROUP BY 1) AS buckets`,
      )
      tables[table] = { rows: row.rows, hash: row.hash }
    }
  })
  const digest = createHash('sha256')
  for (const table of tableNames) digest.update(`${table}:${tables[table].rows}:${tables[table].hash}\n`)
  return { digest: digest.digest('hex'), tables }
}
