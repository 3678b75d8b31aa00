import type { DataSource } from 'typeorm'

/** Row shapes as the API reads them (snake_case columns aliased to the GraphQL field names). */
export interface DatanetRow {
  id: string
  ownerId: string
  metadataURI: string
  createdAtBlock: number
  createdAt: Date
  txHash: string
}

export interface ContributionRow {
  id: string
  datanetId: string
  contributorId: string
  contentHash: string
  stake: string
  status: string
  submittedAtBlock: number
  submittedAt: Date
  txHash: string
}

export const MAX_PAGE = 1000

export interface Page {
  first: number
  skip: number
}

export function checkPage({ first, skip }: Page): Page {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw new Error(`first must be 0..${MAX_PAGE}`)
  if (!Number.isInteger(skip) || skip < 0) throw new Error('skip must be >= 0')
  return { first, skip }
}

const DATANET_COLUMNS = `d.id, d.owner_id AS "ownerId", d.metadata_uri AS "metadataURI",
  d.created_at_block AS "createdAtBlock", d.created_at AS "createdAt", d.tx_hash AS "txHash"`

const CONTRIBUTION_COLUMNS = `c.id, c.datanet_id AS "datanetId", c.contributor_id AS "contributorId",
  c.content_hash AS "contentHash", c.stake::text AS stake, c.status, c.submitted_at_block AS "submittedAtBlock",
  c.submitted_at AS "submittedAt", c.tx_hash AS "txHash"`

/** Ids are uint256 decimal strings: order them as numbers, not as text ("10" after "9"). */
const BY_ID = (alias: string) => `${alias}.id::numeric`

export function listDatanets(db: DataSource, page: Page, owner?: string): Promise<DatanetRow[]> {
  return db.query(
    `SELECT ${DATANET_COLUMNS} FROM datanet d
     WHERE ($1::text IS NULL OR d.owner_id = lower($1))
     ORDER BY ${BY_ID('d')} LIMIT $2 OFFSET $3`,
    [owner ?? null, page.first, page.skip],
  )
}

export async function datanetsByIds(db: DataSource, ids: readonly string[]): Promise<(DatanetRow | undefined)[]> {
  const rows: DatanetRow[] = await db.query(`SELECT ${DATANET_COLUMNS} FROM datanet d WHERE d.id = ANY($1)`, [ids])
  const byId = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => byId.get(id))
}

export interface ContributionFilter {
  datanetId?: string
  contributor?: string
  status?: string
}

export function listContributions(db: DataSource, page: Page, filter: ContributionFilter): Promise<ContributionRow[]> {
  return db.query(
    `SELECT ${CONTRIBUTION_COLUMNS} FROM contribution c
     WHERE ($1::text IS NULL OR c.datanet_id = $1)
       AND ($2::text IS NULL OR c.contributor_id = lower($2))
       AND ($3::text IS NULL OR c.status = $3)
     ORDER BY ${BY_ID('c')} LIMIT $4 OFFSET $5`,
    [filter.datanetId ?? null, filter.contributor ?? null, filter.status ?? null, page.first, page.skip],
  )
}

export async function contributionById(db: DataSource, id: string): Promise<ContributionRow | undefined> {
  const rows: ContributionRow[] = await db.query(`SELECT ${CONTRIBUTION_COLUMNS} FROM contribution c WHERE c.id = $1`, [id])
  return rows[0]
}

/** One page of contributions for each of many parents at once (a window per parent), for the dataloaders. */
export async function contributionsByParent(
  db: DataSource,
  parentColumn: 'datanet_id' | 'contributor_id',
  parentIds: readonly string[],
  page: Page,
): Promise<ContributionRow[][]> {
  const rows: (ContributionRow & { parent: string })[] = await db.query(
    `SELECT * FROM (
       SELECT ${CONTRIBUTION_COLUMNS}, c.${parentColumn} AS parent,
              row_number() OVER (PARTITION BY c.${parentColumn} ORDER BY ${BY_ID('c')}) AS rn
       FROM contribution c WHERE c.${parentColumn} = ANY($1)
     ) t WHERE rn > $2 AND rn <= $2 + $3 ORDER BY rn`,
    [parentIds, page.skip, page.first],
  )
  const byParent = new Map<string, ContributionRow[]>(parentIds.map((id) => [id, []]))
  for (const row of rows) byParent.get(row.parent)?.push(row)
  return parentIds.map((id) => byParent.get(id)!)
}

export async function contributorById(db: DataSource, id: string): Promise<{ id: string; firstSeenBlock: number } | undefined> {
  const rows = await db.query('SELECT id, first_seen_block AS "firstSeenBlock" FROM contributor WHERE id = lower($1)', [id])
  return rows[0]
}

export function deadLetterCounts(db: DataSource): Promise<{ stage: string; reason: string; count: number }[]> {
  return db.query(
    'SELECT stage, reason, count(*)::int AS count FROM dead_letter GROUP BY stage, reason ORDER BY stage, reason',
  )
}
