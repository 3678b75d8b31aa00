// Embedded PostgreSQL (PGlite served over the wire protocol) must pass for a PostgreSQL server to the code that
// uses one: the migrations with their plpgsql and triggers, exact wei amounts, array parameters, several
// clients, and data that outlives the process, whether it stopped cleanly or was killed.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { DataSource } from 'typeorm'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/data-source.js'
import { DATA_MARKER, resetEmbeddedData, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js'
import { recordChangesOf, undoBlocks } from '../../src/db/undo.js'
import { createLogger } from '../../src/logger.js'
import { Stake, StakeStatus } from '../../src/model/index.js'
import { repoRoot } from '../../src/repo-root.js'
import { withClient } from '../support/database.js'

const logger = createLogger('silent')
const MAX_UINT256 = 2n ** 256n - 1n

describe('embedded PostgreSQL runs the code written for PostgreSQL', () => {
  let root: string
  let server: EmbeddedPostgres
  let db: DataSource

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'attrib-embedded-pg-'))
    server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data'), logger })
    db = await openDatabase(server.url)
  })

  afterAll(async () => {
    await db?.destroy()
    await server?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('runs every migration through typeorm, and the undo triggers work', async () => {
    const migrationFiles = (await readdir(path.join(repoRoot, 'db/migrations'))).filter((f) => f.endsWith('.js'))
    const applied: { name: string }[] = await db.query('SELECT name FROM migrations ORDER BY timestamp')
    expect(applied).toHaveLength(migrationFiles.length)

    // A change made while a hot block is applied is recorded by the trigger and undone by the plpgsql function.
    const undone = await db.transaction(async (em) => {
      await recordChangesOf(em, { number: 7, hash: '0xb7' })
      await em.query('INSERT INTO contributor (id, first_seen_block) VALUES ($1, 7)', ['0xc0ffee'])
      expect(await em.query('SELECT count(*)::int AS n FROM contributor')).toEqual([{ n: 1 }])
      return undoBlocks(em, ['0xb7'])
    })
    expect(undone).toBe(1)
    expect(await db.query('SELECT count(*)::int AS n FROM contributor')).toEqual([{ n: 0 }])
  })

  it('keeps numeric(78,0) exact: 2^256-1 round-trips as a string and through an entity', async () => {
    const [row] = await db.query('SELECT $1::numeric(78,0) AS v', [MAX_UINT256.toString()])
    expect(row.v).toBe(MAX_UINT256.toString())
    await db.getRepository(Stake).insert(new Stake({
      id: '1', amount: MAX_UINT256, principal: MAX_UINT256 - 1n, status: StakeStatus.ACTIVE, stakedAtBlock: 1,
    }))
    const stake = await db.getRepository(Stake).findOneByOrFail({ id: '1' })
    expect([stake.amount, stake.principal]).toEqual([MAX_UINT256, MAX_UINT256 - 1n])
  })

  it('takes array parameters: unnest over int[], text[] and bytea[]', async () => {
    const values = [Buffer.from([0, 1, 0xfe, 0xff]), Buffer.alloc(0), null, Buffer.from('{"a":"\\"}')]
    const rows = await db.query(
      'SELECT * FROM unnest($1::int[], $2::text[], $3::bytea[]) AS t(n, k, v)',
      [[1, 2, 3, 4], ['a', null, 'c"\\', ''], values],
    )
    expect(rows).toEqual([
      { n: 1, k: 'a', v: values[0] },
      { n: 2, k: null, v: values[1] },
      { n: 3, k: 'c"\\', v: null },
      { n: 4, k: '', v: values[3] },
    ])
  })

  it('serves several clients at once, running one transaction at a time', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 5 })
    try {
      // Parameterised (extended protocol) queries from five connections interleave without mixing up results.
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
        pool.query('SELECT $1::int * 2 AS doubled, $2::text AS label', [i, `q${i}`]).then((r) => r.rows[0])))
      expect(results).toEqual(Array.from({ length: 100 }, (_, i) => ({ doubled: i * 2, label: `q${i}` })))

      await pool.query('CREATE TABLE counter (n int)')
      const a = await pool.connect()
      const b = await pool.connect()
      try {
        await a.query('BEGIN')
        await a.query('INSERT INTO counter VALUES (1)')
        // b's statement waits for a's transaction: it sees the row a commits, never a half-done state.
        const read = b.query('SELECT count(*)::int AS n FROM counter')
        await new Promise((resolve) => setTimeout(resolve, 200))
        await a.query('INSERT INTO counter VALUES (2)')
        await a.query('COMMIT')
        expect((await read).rows).toEqual([{ n: 2 }])
      } finally {
        a.release()
        b.release()
      }
    } finally {
      await pool.end()
    }
  })
})

describe('embedded PostgreSQL keeps its data in a folder of its own', () => {
  let root: string
  let dataDir: string
  const servers: EmbeddedPostgres[] = []
  const start = async () => {
    const server = await startEmbeddedPostgres({ dataDir, logger })
    servers.push(server)
    return server
  }

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'attrib-embedded-pg-'))
    dataDir = path.join(root, 'data')
  })

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()))
    await rm(root, { recursive: true, force: true })
  })

  it('keeps the data across a stop and a start on the same folder', async () => {
    const first = await start()
    await withClient(first.url, (c) => c.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')"))
    await first.stop()

    const second = await start()
    const rows = await withClient(second.url, async (c) => (await c.query('SELECT v FROM kept')).rows)
    expect(rows).toEqual([{ v: 'before restart' }])
  })

  it('recovers committed data after its process is killed, taking over the stale lock', async () => {
    // The server runs in a child process (vite-node runs the TypeScript source), which is then SIGKILLed.
    const script = path.join(root, 'serve.mjs')
    await writeFile(script, `
      const { startEmbeddedPostgres } = await import(process.env.MODULE)
      const server = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR, logger: { info() {}, warn() {} } })
      console.log(server.url)
    `)
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/vite-node'), [script], {
      cwd: repoRoot,
      env: { ...process.env, MODULE: path.join(repoRoot, 'src/db/embedded-postgres.ts'), DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match = /postgres:\/\/\S+/.exec(out)
          if (match) resolve(match[0])
        })
        child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before serving: ${out}`)))
      })
      await withClient(url, async (c) => {
        await c.query('CREATE TABLE survivor (n int)')
        await c.query('INSERT INTO survivor SELECT generate_series(1, 1000)')
      })
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    expect(existsSync(path.join(dataDir, '.lock'))).toBe(true) // left behind by the killed process

    const server = await start()
    const rows = await withClient(server.url, async (c) => (await c.query('SELECT count(*)::int AS n, sum(n)::int AS s FROM survivor')).rows)
    expect(rows).toEqual([{ n: 1000, s: 500500 }])
  })

  it('refuses a second server on a folder in use, and a folder that is not its own', async () => {
    await start()
    await expect(startEmbeddedPostgres({ dataDir, logger })).rejects.toThrow(/in use by process/)

    await writeFile(path.join(root, 'keep.txt'), 'not ours')
    await expect(startEmbeddedPostgres({ dataDir: root, logger })).rejects.toThrow(/not attrib's data folder/)
    expect(await readdir(root)).not.toContain(DATA_MARKER)
  })

  it('resets only a folder it created, and not while it is served', async () => {
    const server = await start()
    await expect(resetEmbeddedData(dataDir)).rejects.toThrow(/is using it/)
    await server.stop()

    const foreign = path.join(root, 'foreign')
    await writeFile(path.join(root, 'foreign-file'), 'x')
    await expect(resetEmbeddedData(root)).rejects.toThrow(/not attrib's embedded data/)
    expect(existsSync(path.join(root, 'foreign-file'))).toBe(true)

    expect(await resetEmbeddedData(dataDir)).toBe(true)
    expect(existsSync(dataDir)).toBe(false)
    expect(await resetEmbeddedData(dataDir)).toBe(false)
    expect(await resetEmbeddedData(foreign)).toBe(false)

    // A reset folder starts empty.
    const fresh = await start()
    const tables = await withClient(fresh.url, async (c) =>
      (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows)
    expect(tables).toEqual([{ n: 0 }])
  })
})
