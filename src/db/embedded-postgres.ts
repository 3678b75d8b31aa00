import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { readFileSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Logger } from '../logger.js'
import { CHANGES_CHANNEL } from './change-notice.js'
import { notificationScanner, type NotificationSource, type WireNotification } from './wire-notifications.js'

/** Written into every data folder we create: only a folder holding it is ever deleted by a reset. */
export const DATA_MARKER = '.attrib-embedded-data'
/** Holds the pid of the process serving the folder: PGlite itself does not stop a second process from opening it. */
const LOCK_FILE = '.lock'
/** PGlite's files live in a subfolder, so other embedded parts can keep their state beside them. */
const POSTGRES_DIR = 'postgres'

export interface EmbeddedPostgres {
  /** A postgres:// URL for `pg` and typeorm, like any other PostgreSQL. */
  url: string
  dataDir: string
  /**
   * The projection's change notifications, in this process. PGlite is one backend, so a NOTIFY goes back to the
   * connection whose commit sent it, never to another connection's LISTEN: they are read off the wire instead.
   */
  notifications: NotificationSource
  /** Closes the server and PGlite (a clean shutdown); close the clients' pools first. */
  stop(): Promise<void>
}

export interface EmbeddedPostgresOptions {
  /** The folder to keep the data in: created when missing, resumed when it holds data from an earlier run. */
  dataDir: string
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  maxConnections?: number
  logger: Logger
}

/**
 * PostgreSQL without a server to install: PGlite (Postgres compiled to WASM) persisted in `dataDir`, served
 * over the wire protocol by pglite-socket, so the same `pg`/typeorm code and migrations run unchanged.
 * PGlite is one backend: every connection shares it, and while one connection is inside a transaction the
 * others' statements wait. Keep transactions short and never wait on another connection inside one.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger, host = '127.0.0.1', maxConnections = 100 } = options
  const dataDir = path.resolve(options.dataDir)
  await claimDataDir(dataDir)
  const unlock = await lockDataDir(dataDir)
  try {
    const started = Date.now()
    const db = await PGlite.create({ dataDir: path.join(dataDir, POSTGRES_DIR) })
    // The one backend listens, so the projection's NOTIFYs come back on the committing connection's wire.
    await db.exec(`LISTEN ${CHANGES_CHANNEL}`)
    const listeners = new Set<(notification: WireNotification) => void>()
    const notifications: NotificationSource = {
      listen(channel, listener) {
        const onNotification = (notification: WireNotification) => {
          if (notification.channel === channel) listener(notification.payload)
        }
        listeners.add(onNotification)
        return () => listeners.delete(onNotification)
      },
    }
    const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections })
    serializeMessageGroups(server, db, (notification) => {
      for (const listener of listeners) listener(notification)
    })
    let port = options.port ?? 0
    server.addEventListener('listening', (event) => {
      port = (event as CustomEvent<{ port: number }>).detail.port
    })
    server.addEventListener('error', (event) => {
      logger.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded PostgreSQL: connection error')
    })
    try {
      await server.start()
    } catch (err) {
      await db.close()
      throw err
    }
    const url = `postgres://postgres@${host}:${port}/postgres`
    logger.info({ url, dataDir, ms: Date.now() - started }, 'embedded PostgreSQL (PGlite) started')
    let stopping: Promise<void> | undefined
    return {
      url,
      dataDir,
      notifications,
      stop: () =>
        (stopping ??= (async () => {
          await server.stop()
          await db.close()
          await unlock()
          logger.info({ dataDir }, 'embedded PostgreSQL stopped')
        })()),
    }
  } catch (err) {
    await unlock()
    throw err
  }
}

/**
 * Deletes the embedded data folder (a fresh start), but only one that carries our marker and that no running
 * process is serving. Returns false when there was nothing to delete.
 */
export async function resetEmbeddedData(dataDir: string): Promise<boolean> {
  const dir = path.resolve(dataDir)
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (!entries) return false
  if (!entries.includes(DATA_MARKER)) {
    throw new Error(`refusing to delete ${dir}: it has no ${DATA_MARKER} file, so it is not attrib's embedded data`)
  }
  const owner = await lockOwner(dir)
  if (owner !== undefined) throw new Error(`refusing to delete ${dir}: process ${owner} is using it`)
  await rm(dir, { recursive: true, force: true })
  return true
}

/** Makes `dir` ours: a new or empty folder gets the marker; a folder with other content is refused. */
async function claimDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const entries = await readdir(dir)
  if (entries.includes(DATA_MARKER)) return
  if (entries.length > 0) {
    throw new Error(`${dir} is not empty and has no ${DATA_MARKER} file: it is not attrib's data folder; choose another`)
  }
  await writeFile(path.join(dir, DATA_MARKER), 'Embedded data of attribution-indexer; `attrib` may delete this folder on reset.\n')
}

/** Takes the folder's lock file; a lock left by a process that no longer runs is taken over. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, LOCK_FILE)
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lockPath, 'wx')
      await file.writeFile(String(process.pid))
      await file.close()
      return () => unlink(lockPath).catch(() => {})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      const owner = await lockOwner(dir)
      if (owner !== undefined) throw new Error(`${dir} is in use by process ${owner} (${lockPath})`)
      await unlink(lockPath).catch(() => {})
    }
  }
}

/** The pid holding the folder's lock, if that process is still running. */
async function lockOwner(dir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dir, LOCK_FILE), 'utf8').catch(() => undefined)
  const pid = Number(text)
  if (!text || !Number.isInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}

interface MessageQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>
  clearQueueForHandler(handlerId: number): void
}

const PROTOCOL_VERSION_3 = 196608

/** The pglite-socket release the patch below was written against (and package.json pins). */
export const PATCHED_PGLITE_SOCKET_VERSION = '0.2.17'

/** The installed pglite-socket's version, read from its package.json (which its exports do not expose). */
export function installedPgliteSocketVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite-socket')
  let dir = path.dirname(entry)
  while (path.basename(dir) !== 'pglite-socket' && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version
}

/**
 * pglite-socket queues the wire protocol one message at a time, so outside a transaction the extended-protocol
 * messages of two connections interleave (A's Parse, B's Parse, A's Bind: "bind message supplies 1 parameters,
 * but prepared statement requires 4"). This is upstream's open issue electric-sql/pglite#1046 ("concurrent
 * extended-protocol batches interleave across connections"; a fix is proposed in electric-sql/pglite#977).
 * This lets one connection at a time speak, from its first message up to the Sync (or simple Query) that ends
 * its group, and for as long as it holds a transaction open. It also reads the notifications out of every
 * response, before they reach the connection (which ignores them).
 *
 * It wraps the server's private `queryQueue`, so it refuses to start on any other release than the one it was
 * written for: upgrading pglite-socket means checking whether #1046 is fixed (then drop this) or the private
 * queue still has this shape (then bump PATCHED_PGLITE_SOCKET_VERSION).
 */
function serializeMessageGroups(server: PGLiteSocketServer, db: PGlite, onNotification: (notification: WireNotification) => void): void {
  const installed = installedPgliteSocketVersion()
  if (installed !== PATCHED_PGLITE_SOCKET_VERSION) {
    throw new Error(
      `@electric-sql/pglite-socket ${installed} is installed, but src/db/embedded-postgres.ts patches the private queue of ${PATCHED_PGLITE_SOCKET_VERSION} ` +
        '(electric-sql/pglite#1046): check the patch against the new release before changing the version',
    )
  }
  const queue = (server as unknown as { queryQueue?: MessageQueue }).queryQueue
  if (typeof queue?.enqueue !== 'function' || typeof queue.clearQueueForHandler !== 'function') {
    throw new Error(`@electric-sql/pglite-socket ${installed} has no queryQueue.enqueue/clearQueueForHandler: the patch for electric-sql/pglite#1046 cannot apply`)
  }
  const enqueue = queue.enqueue.bind(queue)
  const clear = queue.clearQueueForHandler.bind(queue)
  let owner: number | null = null
  let waiting: (() => void)[] = []
  const release = () => {
    owner = null
    const wake = waiting
    waiting = []
    for (const resume of wake) resume()
  }
  queue.enqueue = async (handlerId, message, onData) => {
    while (owner !== null && owner !== handlerId) await new Promise<void>((resume) => waiting.push(resume))
    owner = handlerId
    try {
      const scan = notificationScanner(onNotification)
      return await enqueue(handlerId, message, (data) => {
        scan(data)
        onData(data)
      })
    } finally {
      if (endsGroup(message) && !db.isInTransaction()) release()
    }
  }
  queue.clearQueueForHandler = (handlerId) => {
    clear(handlerId)
    if (owner === handlerId) release() // a connection that went away mid-group must not block the others
  }
}

function endsGroup(message: Uint8Array): boolean {
  const startup = message.length >= 8 && new DataView(message.buffer, message.byteOffset).getInt32(4) === PROTOCOL_VERSION_3
  const type = String.fromCharCode(message[0])
  return startup || type === 'S' || type === 'Q' || type === 'X'
}
