import { withClient } from '../test/support/database.js'

export interface StatementTime {
  /** The normalised statement, whitespace collapsed, cut at 160 characters. */
  statement: string
  calls: number
  rows: number
  /** Execution time in PostgreSQL, summed over the calls. */
  seconds: number
}

/**
 * Where PostgreSQL spends a projector run: the run database's statements by total execution time, read from
 * pg_stat_statements when the server preloads it (`shared_preload_libraries = 'pg_stat_statements'`; the bench
 * does not change the server's configuration). The extension goes into a schema of its own, so that neither
 * the digest nor the table comparison sees it.
 */
export async function statementProfile(dbUrl: string): Promise<{ read(limit: number): Promise<StatementTime[]> } | undefined> {
  const loaded = await withClient(dbUrl, async (client) => {
    const { rows } = await client.query(`SELECT current_setting('shared_preload_libraries') AS libraries`)
    if (!String(rows[0].libraries).split(',').some((name) => name.trim() === 'pg_stat_statements')) return false
    await client.query('CREATE SCHEMA IF NOT EXISTS bench_statements')
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA bench_statements')
    await client.query(`SELECT bench_statements.pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`)
    return true
  })
  if (!loaded) return undefined
  return {
    read: (limit) =>
      withClient(dbUrl, async (client) => {
        const { rows } = await client.query(
          `SELECT query, calls::float8 AS calls, rows::float8 AS rows, total_exec_time / 1000 AS seconds
           FROM bench_statements.pg_stat_statements
           WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           ORDER BY total_exec_time DESC LIMIT $1`,
          [limit],
        )
        return rows.map((r) => ({
          statement: String(r.query).replace(/\s+/g, ' ').slice(0, 160),
          calls: r.calls,
          rows: r.rows,
          seconds: r.seconds,
        }))
      }),
  }
}
