import { execFile } from 'node:child_process'
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../support/net.js'

const run = promisify(execFile)
const DEBIAN_BINARIES = '/usr/lib/postgresql'

export interface PrivatePostgres {
  /** The cluster's `postgres` database. */
  url: string
  port: number
  /** `pg_ctl stop -m immediate`: every backend killed at once, no checkpoint, as in a crash. */
  crash(): Promise<void>
  start(): Promise<void>
  /** Stops the cluster and deletes its files. */
  remove(): Promise<void>
}

/**
 * A PostgreSQL cluster of this test's own (initdb in a temporary folder, on a free port, trust auth on
 * 127.0.0.1), for tests that stop or crash the database: the shared one stays up for everyone else. Uses the
 * newest server binaries under /usr/lib/postgresql (Debian's layout); run as root, the cluster runs as the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await serverBinaries()
  const port = await freePort()
  const dataDir = await mkdtemp(path.join(tmpdir(), 'attrib-pg-'))
  const asRoot = process.getuid?.() === 0
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args)
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    await chown(dataDir, Number(stdout.trim()), Number(gid.trim()))
  }
  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`
  const start = () => pg('pg_ctl', ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-o', options, '-w', 'start']).then(() => {})
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    crash: () => pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).then(() => {}),
    async remove() {
      await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function serverBinaries(): Promise<string> {
  const versions = (await readdir(DEBIAN_BINARIES).catch(() => [] as string[])).filter((v) => /^\d+$/.test(v))
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest) return path.join(DEBIAN_BINARIES, newest, 'bin')
  const { stdout } = await run('pg_config', ['--bindir'])
  return stdout.trim()
}
