// `attrib serve` changes no schema: it runs under a database role that may only read (no CREATE, no INSERT, no
// trigger), and refuses to start, saying why, on a database `attrib migrate` has not brought up to date, which
// `attrib migrate` then fixes.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { generateFixture, seedFixture } from '../int/api-fixture.js'
import { createTestDatabase, withClient } from '../support/database.js'
import { gql } from '../support/graphql.js'
import { freePort } from '../support/net.js'
import { eventually, startCli } from '../support/processes.js'

const services = inject('services')

/** Runs an `attrib` command to its end; its exit code and output. */
async function runCli(command: string, env: Record<string, string>) {
  const cli = startCli(command, env)
  const code = await new Promise<number>((resolve) => cli.child.once('exit', (c) => resolve(c ?? -1)))
  return { code, output: cli.output() }
}

describe('attrib serve with a read-only database role', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  const role = `attrib_reader_${randomBytes(4).toString('hex')}`
  let readerUrl: string

  beforeAll(async () => {
    database = await createTestDatabase(services.dbUrl)
    const migrated = await runCli('migrate', { DB_URL: database.url })
    expect(migrated.code, migrated.output).toBe(0)
    await seedFixture(database.url, generateFixture(100))
    await withClient(database.url, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN`)
      await c.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`)
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`)
      await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`)
    })
    const url = new URL(database.url)
    url.username = role
    readerUrl = url.toString()
  })
  afterAll(async () => {
    await database?.drop()
    await withClient(services.dbUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`))
  })

  it('has a role that really cannot change anything', async () => {
    await withClient(readerUrl, async (c) => {
      await expect(c.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/)
      await expect(c.query(`INSERT INTO contributor (id, first_seen_block) VALUES ('0x1', 1)`)).rejects.toThrow(/permission denied/)
    })
  })

  it('serves queries under that role', async () => {
    const port = await freePort()
    const serve = startCli('serve', { DB_URL: readerUrl, GQL_PORT: String(port), GQL_WORKERS: '1' })
    try {
      const data = await eventually(
        () => gql<any>(`http://127.0.0.1:${port}/graphql`, '{ inferences(first: 3) { totalCount nodes { id model { id owner { id } } } } }').catch(() => undefined),
        30_000,
        `attrib serve to answer:\n${serve.output()}`,
      )
      expect(data.inferences.totalCount).toBe(100)
      expect(data.inferences.nodes).toHaveLength(3)
      expect(serve.output()).not.toMatch(/permission denied/)
    } finally {
      await serve.stop()
    }
  })

  it('refuses to start on a schema that is not current, naming what is missing, until attrib migrate ran', async () => {
    const [latest] = (await withClient(database.url, (c) => c.query('SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1'))).rows
    await withClient(database.url, (c) => c.query('DELETE FROM migrations WHERE name = $1', [latest.name]))
    const refused = await runCli('serve', { DB_URL: readerUrl, GQL_PORT: String(await freePort()), GQL_WORKERS: '2' })
    expect(refused.code).not.toBe(0)
    expect(refused.output).toContain(`1 migration(s) not applied: ${latest.name}`)
    expect(refused.output).toContain('run `attrib migrate`')
    // Its row back (re-running a migration is not this test's subject), then a trigger gone, which migrate restores.
    await withClient(database.url, (c) => c.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [Number(latest.name.slice(-13)), latest.name]))
    await withClient(database.url, (c) => c.query(`DROP TRIGGER attrib_undo_updated ON inference`))
    const noTrigger = await runCli('serve', { DB_URL: readerUrl, GQL_PORT: String(await freePort()), GQL_WORKERS: '1' })
    expect(noTrigger.code).not.toBe(0)
    expect(noTrigger.output).toContain('tables without their undo trigger: inference')
    const migrated = await runCli('migrate', { DB_URL: database.url })
    expect(migrated.code, migrated.output).toBe(0)
    expect(migrated.output).toContain('database schema is current')
    const { rows } = await withClient(database.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'attrib\\_undo\\_%' AND tgrelid = 'inference'::regclass`))
    expect(rows[0].n).toBe(3)
  })
})
