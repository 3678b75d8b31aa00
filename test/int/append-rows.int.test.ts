// Bulk appends by COPY on a real PostgreSQL: every value comes back as it was given, whatever characters COPY's
// text format treats specially, and a statement that fails leaves nothing behind.
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { appendRows, type AppendColumn } from '../../src/db/append-rows.js'
import { openDatabase } from '../../src/db/data-source.js'
import { createTestDatabase } from '../support/database.js'

interface Row {
  id: string
  note: string | null
  amount: bigint
  count: number
  flag: boolean
  at: string
  doc: unknown
}

const COLUMNS: AppendColumn<Row>[] = [
  { name: 'id', type: 'text', value: (r) => r.id },
  { name: 'note', type: 'text', value: (r) => r.note },
  { name: 'amount', type: 'numeric', value: (r) => r.amount },
  { name: 'count', type: 'int', value: (r) => r.count },
  { name: 'flag', type: 'boolean', value: (r) => r.flag },
  { name: 'at', type: 'timestamptz', value: (r) => r.at },
  { name: 'doc', type: 'jsonb', value: (r) => JSON.stringify(r.doc) },
]

describe('appending rows by COPY', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let db: DataSource

  beforeAll(async () => {
    database = await createTestDatabase(inject('services').dbUrl)
    db = await openDatabase(database.url)
    await db.query(`CREATE TABLE appended (id text PRIMARY KEY, note text, amount numeric(78,0) NOT NULL, count int NOT NULL,
      flag boolean NOT NULL, at timestamptz NOT NULL, doc jsonb NOT NULL)`)
  })

  afterAll(async () => {
    await db?.destroy()
    await database?.drop()
  })

  it('writes tabs, newlines, carriage returns, backslashes, NULL, a uint256 and JSON back exactly as given', async () => {
    const rows: Row[] = [
      { id: 'a', note: 'tab\there\nnewline\rreturn \\N backslash\\', amount: 2n ** 256n - 1n, count: -7, flag: true, at: '2026-12-03T06:00:00.000Z', doc: { s: 'line\nbreak\t"quoted" \\ end' } },
      { id: 'b', note: null, amount: 0n, count: 0, flag: false, at: '2026-01-01T00:00:00.000Z', doc: [] },
      ...Array.from({ length: 1_200 }, (_, k) => ({ id: `bulk-${k}`, note: `n${k}`, amount: BigInt(k) * 10n ** 18n, count: k, flag: k % 2 === 0, at: '2026-06-01T00:00:00.000Z', doc: { k } })),
    ]
    await db.transaction((em) => appendRows(em, 'appended', COLUMNS, rows))
    const back: { id: string; note: string | null; amount: string; count: number; flag: boolean; at: Date; doc: unknown }[] = await db.query(
      'SELECT id, note, amount::text AS amount, count, flag, at, doc FROM appended ORDER BY id',
    )
    const byId = new Map(back.map((r) => [r.id, r]))
    expect(back).toHaveLength(rows.length)
    for (const row of rows) {
      const stored = byId.get(row.id)!
      expect({ ...stored, at: stored.at.toISOString() }).toEqual({ ...row, amount: row.amount.toString() })
    }
  })

  it('fails the statement on a duplicate key, adding none of its rows', async () => {
    const row = (id: string): Row => ({ id, note: null, amount: 1n, count: 1, flag: true, at: '2026-12-03T00:00:00.000Z', doc: {} })
    await expect(db.transaction((em) => appendRows(em, 'appended', COLUMNS, [row('fresh'), row('a')]))).rejects.toMatchObject({ code: '23505' })
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM appended WHERE id = 'fresh'`)
    expect(n).toBe(0)
  })
})
