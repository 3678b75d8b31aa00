import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import { openDatabase } from '../src/db/data-source.js'
import { createTestDatabase, withClient } from '../test/support/database.js'

/**
 * The physical limits the projector is measured against: the live run's final rows written with a plain COPY,
 * table after table, (a) into an empty copy of our schema (every index, constraint and trigger the migrations
 * make) and (b) into the same tables without any index (primary keys, unique constraints and foreign keys
 * dropped too). Neither decodes, splits money or reads anything: what remains is PostgreSQL storing the rows.
 * The rows are dumped to files first, so only the writing is timed.
 */
export interface WriteLimit {
  seconds: number
  rows: number
  bytes: number
}

export interface WriteLimits {
  withOurIndexes: WriteLimit
  withoutIndexes: WriteLimit
  tables: string[]
}

/** The tables the projector writes: the entities and its own bookkeeping (not the ingesters', not the log). */
const PROJECTOR_BOOKKEEPING = ['applied_event', 'chain_progress', 'chain_state', 'consumer_offset', 'dead_letter', 'deferred_join', 'projection_journal', 'undo_log']

export async function measureWriteLimits(options: { adminUrl: string; liveUrl: string; keep?: boolean; progress(message: string): void }): Promise<WriteLimits> {
  const live = await openDatabase(options.liveUrl, { poolSize: 2 })
  const tables = [...new Set([...live.entityMetadatas.map((m) => m.tableName), ...PROJECTOR_BOOKKEEPING])].sort()
  await live.destroy()
  const dir = await mkdtemp(path.join(tmpdir(), 'attrib-limits-'))
  try {
    options.progress(`write limits: dumping ${tables.length} tables of the live run`)
    const files = await withClient(options.liveUrl, async (client) => {
      const dumped: { table: string; file: string; bytes: number }[] = []
      for (const table of tables) {
        const file = path.join(dir, `${table}.copy`)
        await pipeline(client.query(copyTo(`COPY "${table}" TO STDOUT`)), createWriteStream(file))
        dumped.push({ table, file, bytes: (await stat(file)).size })
      }
      return dumped
    })
    const rows = await withClient(options.liveUrl, async (client) => {
      let n = 0
      for (const table of tables) n += Number((await client.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n)
      return n
    })
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0)
    const limit = async (dropIndexes: boolean): Promise<WriteLimit> => {
      const target = await createTestDatabase(options.adminUrl, dropIndexes ? 'attrib_bench_noindex' : 'attrib_bench_schema')
      try {
        await (await openDatabase(target.url, { poolSize: 2 })).destroy() // our schema, by the migrations
        return await withClient(target.url, async (client) => {
          if (dropIndexes) await dropEveryIndex(client, tables)
          const byTable = new Map(files.map((f) => [f.table, f.file]))
          const order = await referencedFirst(client, tables)
          const started = performance.now()
          for (const table of order) await pipeline(createReadStream(byTable.get(table)!), client.query(copyFrom(`COPY "${table}" FROM STDIN`)))
          return { seconds: (performance.now() - started) / 1000, rows, bytes }
        })
      } finally {
        if (!options.keep) await target.drop()
      }
    }
    options.progress(`write limits: COPY of ${rows} rows (${(bytes / 2 ** 20).toFixed(0)} MiB) into our schema`)
    const withOurIndexes = await limit(false)
    options.progress(`write limits: ${withOurIndexes.seconds.toFixed(1)} s; the same into tables without indexes`)
    const withoutIndexes = await limit(true)
    options.progress(`write limits: ${withoutIndexes.seconds.toFixed(1)} s`)
    return { withOurIndexes, withoutIndexes, tables }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Foreign keys first (they lean on the referenced keys' indexes), then keys and unique constraints, then the rest. */
async function dropEveryIndex(client: pg.Client, tables: string[]): Promise<void> {
  const constraints = await client.query<{ table: string; name: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name FROM pg_constraint
     WHERE conrelid::regclass::text = ANY($1::text[]) AND contype IN ('f', 'p', 'u') ORDER BY (contype = 'f') DESC`,
    [tables.map((t) => `"${t}"`).concat(tables)],
  )
  for (const { table, name } of constraints.rows) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS "${name}" CASCADE`)
  const indexes = await client.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1::text[])`,
    [tables],
  )
  for (const { name } of indexes.rows) await client.query(`DROP INDEX IF EXISTS "${name}"`)
}

/** The tables in an order that loads every table a foreign key references before the table holding it. */
async function referencedFirst(client: pg.Client, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ from: string; to: string }>(
    `SELECT conrelid::regclass::text AS from, confrelid::regclass::text AS to FROM pg_constraint WHERE contype = 'f'`,
  )
  const unquote = (name: string) => name.replace(/^"|"$/g, '')
  const references = new Map<string, string[]>()
  for (const { from, to } of rows) {
    if (from === to) continue // a self-reference: the dump keeps the rows in the order they were inserted
    references.set(unquote(from), [...(references.get(unquote(from)) ?? []), unquote(to)])
  }
  const ordered: string[] = []
  const visiting = new Set<string>()
  const visit = (table: string) => {
    if (ordered.includes(table) || visiting.has(table)) return // done, or a cycle (none in our schema)
    visiting.add(table)
    for (const referenced of references.get(table) ?? []) if (tables.includes(referenced)) visit(referenced)
    if (!ordered.includes(table)) ordered.push(table)
  }
  for (const table of tables) visit(table)
  return ordered
}
