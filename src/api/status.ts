import type { Sql } from './sql.js'

export interface IndexStatus {
  chainId: number | null
  indexedHeight: number | null
  finalizedHeight: number | null
  headHeight: number | null
  lag: number | null
  deadLetters: number
}

/**
 * How far the projection is behind the chain. The projection holds every final block up to chain_state's
 * height plus the hot blocks still in undo_log; the ingester's cursor (its final height and the hot blocks it
 * has published, `top`) is the newest the pipeline has seen.
 */
const STATUS = `WITH chain AS (SELECT chain_id FROM chain_state UNION SELECT chain_id FROM ingest_cursor ORDER BY 1 LIMIT 1)
  SELECT ch.chain_id AS "chainId", s.finalized_height AS "finalizedHeight",
         greatest(s.finalized_height, (SELECT max(block_number) FROM undo_log)) AS "indexedHeight",
         greatest(c.height, (SELECT max((b->>'height')::int) FROM jsonb_array_elements(c.top) b)) AS "headHeight",
         (SELECT count(*)::int FROM dead_letter) AS "deadLetters"
  FROM (SELECT 1) one
  LEFT JOIN chain ch ON true
  LEFT JOIN chain_state s ON s.chain_id = ch.chain_id
  LEFT JOIN ingest_cursor c ON c.chain_id = ch.chain_id`

export async function indexStatus(sql: Pick<Sql, 'query'>): Promise<IndexStatus> {
  const [row] = await sql.query<Omit<IndexStatus, 'lag'>>(STATUS, [], { prepare: true })
  const lag = row.headHeight != null && row.indexedHeight != null ? Math.max(0, row.headHeight - row.indexedHeight) : null
  return { ...row, lag }
}

export function deadLetterCounts(sql: Sql) {
  return sql.query<{ stage: string; reason: string; count: number }>(
    'SELECT stage, reason, count(*)::int AS count FROM dead_letter GROUP BY stage, reason ORDER BY stage, reason',
  )
}
