import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { DataSource, EntityManager } from 'typeorm'

type Value = string | number | bigint | boolean | null | undefined

/** A column of an appended table: its PostgreSQL type (for the INSERT form) and how a row gives its value. */
export interface AppendColumn<Row> {
  name: string
  type: 'text' | 'int' | 'numeric' | 'boolean' | 'timestamptz' | 'jsonb'
  value: (row: Row) => Value
}

/**
 * Appends rows to a table in one statement: `COPY … FROM STDIN` on PostgreSQL, which costs neither the
 * parameter arrays' encoding in the projector nor their decoding in the server; an `INSERT … SELECT FROM
 * unnest(…)` where COPY is not served (PGlite over its socket, the embedded default, loses the connection on a
 * COPY). For tables rows are only added to in bulk: a key conflict fails the statement, as it would an INSERT.
 */
export async function appendRows<Row>(em: EntityManager, table: string, columns: readonly AppendColumn<Row>[], rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return
  if (await servesCopy(em)) return copyRows(em, table, columns, rows)
  await em.query(
    `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')})
     SELECT * FROM unnest(${columns.map((c, k) => `$${k + 1}::${c.type}[]`).join(', ')})`,
    columns.map((c) => rows.map((row) => nullable(c.value(row)))),
  )
}

const copySupport = new WeakMap<DataSource, Promise<boolean>>()

/** Asked once per data source, on the caller's own connection: PGlite's one backend is busy with its transaction. */
export function servesCopy(em: EntityManager): Promise<boolean> {
  let known = copySupport.get(em.connection)
  if (!known) {
    const ds = em.connection
    known = em.query(`SELECT version() NOT LIKE '%PGlite%' AS copy`).then(
      ([row]: { copy: boolean }[]) => row.copy,
      (err) => {
        copySupport.delete(ds) // asked again next time (the database may have been restarting)
        throw err
      },
    )
    copySupport.set(ds, known)
  }
  return known
}

/** Rows per chunk written to the COPY stream: large enough to amortise the writes, small enough to stay flat. */
const CHUNK_ROWS = 500

async function copyRows<Row>(em: EntityManager, table: string, columns: readonly AppendColumn<Row>[], rows: readonly Row[]) {
  // Inside a transaction the manager's runner holds the transaction's connection; COPY must run on it.
  const runner = em.queryRunner
  if (!runner) throw new Error(`appending to ${table} needs a transaction's entity manager`)
  const client = (await runner.connect()) as PoolClient
  const stream = client.query(copyFrom(`COPY ${table} (${columns.map((c) => c.name).join(', ')}) FROM STDIN`))
  await pipeline(Readable.from(chunks(columns, rows)), stream)
}

function* chunks<Row>(columns: readonly AppendColumn<Row>[], rows: readonly Row[]): Generator<string> {
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    let text = ''
    for (let k = start; k < Math.min(rows.length, start + CHUNK_ROWS); k++) {
      const row = rows[k]
      for (let c = 0; c < columns.length; c++) {
        text += (c === 0 ? '' : '\t') + copyText(columns[c].value(row))
      }
      text += '\n'
    }
    yield text
  }
}

/** A value in COPY's text format: `\N` for NULL, and backslash, tab, newline and carriage return escaped. */
function copyText(value: Value): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value !== 'string') return String(value)
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const escapeChar = (c: string) => ESCAPES[c]

function nullable(value: Value) {
  if (value === undefined || value === null) return null
  return typeof value === 'bigint' ? value.toString() : value
}
