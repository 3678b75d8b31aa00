// The API's pool on a real PostgreSQL: its sessions run in UTC, so every timestamptz arrives in the text form the
// direct parser takes (a value it left to the driver would come back as a Date, not as a string).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createApiDatabase, type ApiDatabase } from '../../src/api/sql.js'

describe("the API pool's timestamps", () => {
  let db: ApiDatabase

  beforeAll(() => {
    db = createApiDatabase({ connectionString: inject('services').dbUrl }, { poolSize: 1, statementTimeoutMs: 5_000, preparedStatements: false })
  })
  afterAll(() => db.pool.end())

  it('come as the DateTime strings, whatever the server time zone, to the millisecond', async () => {
    const { rows } = await db.pool.query(`SELECT
      '2026-12-07 23:48:21.415999+01'::timestamptz AS offset_given,
      '2026-12-07 22:48:21+00'::timestamptz AS whole_second,
      '0044-03-15 12:00:00.5+00'::timestamptz AS early_year,
      '9999-12-31 23:59:59.999999+00'::timestamptz AS last_year`)
    expect(rows[0]).toEqual({
      offset_given: '2026-12-07T22:48:21.415Z',
      whole_second: '2026-12-07T22:48:21.000Z',
      early_year: '0044-03-15T12:00:00.500Z',
      last_year: '9999-12-31T23:59:59.999Z',
    })
  })
})
