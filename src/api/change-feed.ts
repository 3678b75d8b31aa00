import pg from 'pg'
import { CHANGES_CHANNEL } from '../db/change-notice.js'
import type { NotificationSource } from '../db/wire-notifications.js'
import type { Logger } from '../logger.js'
import { apiMetrics } from './api-metrics.js'
import { ChangeBus, type RollbackChange } from './change-bus.js'

export interface ChangeFeed {
  bus: ChangeBus
  /** Whether LISTEN is in place right now (changes committed meanwhile are delivered). */
  readonly listening: boolean
  /**
   * Counts the projection's committed changes seen, and every (re)connection (changes made while disconnected
   * were missed): a response computed while it had one value may be reused only while it keeps it.
   */
  readonly generation: number
  close(): Promise<void>
}

const RETRY_MS = { first: 500, max: 15_000 }

/**
 * Fans the projection's committed changes out to this instance's subscribers: one dedicated connection
 * LISTENs, and each notification is published on a local bus. Every instance holds its own listener, so
 * each delivers every change. Notifications sent while the connection is down are lost (Postgres keeps none
 * for absent listeners); it reconnects with backoff and logs the gap.
 */
export function startChangeFeed(options: {
  connection: pg.ClientConfig
  logger: Logger
  /** The database's notifications delivered in this process (the embedded PGlite), instead of a LISTEN connection. */
  notifications?: NotificationSource
}): ChangeFeed {
  const { logger } = options
  const bus = new ChangeBus()
  let client: pg.Client | undefined
  let closed = false
  let retryTimer: NodeJS.Timeout | undefined
  let delay = RETRY_MS.first
  let listening = false
  let generation = 0
  /** The gauge counts the feeds listening in this process (tests run several API servers in one). */
  const setListening = (now: boolean) => {
    if (now !== listening) apiMetrics.feedConnected.inc(now ? 1 : -1)
    listening = now
  }

  function publish(payload: string, schema: string) {
    let change: Record<string, unknown>
    try {
      change = JSON.parse(payload)
    } catch {
      logger.warn({ payload }, 'unreadable change notification')
      return
    }
    // A replay rebuilds the projection in another schema of the same database: not ours (yet).
    if (change.schema !== schema) return
    generation++
    apiMetrics.notifications.inc({ kind: String(change.kind) })
    switch (change.kind) {
      case 'commit':
        return
      // One notice per statement, its rows as [id, model, agent] and [id, contributor, epoch]
      // (db/migrations/1795680000000-ChangeNoticesPerStatement.js).
      case 'inferences':
        for (const [id, model, agent] of change.rows as [string, string, string][]) bus.publish('inference', { id, model, agent })
        return
      case 'earnings':
        for (const [id, contributor, epoch] of change.rows as [string, string, number][]) bus.publish('earnings', { id, contributor, epoch })
        return
      case 'epochClosed':
        return bus.publish('epochClosed', { id: String(change.id) })
      case 'rollback':
        return bus.publish('rollback', change as unknown as RollbackChange)
      default:
        logger.warn({ kind: change.kind }, 'unknown change notification')
    }
  }

  function retryLater(failed: pg.Client, err?: unknown) {
    if (client !== failed && client !== undefined) return // already replaced
    client = undefined
    setListening(false)
    failed.removeAllListeners()
    failed.on('error', () => {}) // a late socket error must not crash the process
    failed.end().catch(() => {})
    if (closed || retryTimer) return
    logger.warn({ err, retryInMs: delay }, 'change feed disconnected: subscriptions miss changes until it reconnects')
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      void connect()
    }, delay)
    delay = Math.min(delay * 2, RETRY_MS.max)
  }

  /** In process nothing can disconnect: only the schema is asked, once. */
  async function listenInProcess(source: NotificationSource) {
    const probe = new pg.Client({ ...options.connection, application_name: 'attrib-api-changes' })
    probe.on('error', () => {})
    try {
      await probe.connect()
      const [{ schema }] = (await probe.query<{ schema: string }>('SELECT current_schema() AS schema')).rows
      if (closed) return
      stopInProcess = source.listen(CHANGES_CHANNEL, (payload) => publish(payload, schema))
      generation++
      setListening(true)
      logger.info({ schema }, 'change feed listening (in process)')
    } catch (err) {
      if (closed) return
      logger.warn({ err, retryInMs: delay }, 'change feed: could not read the schema; retrying')
      retryTimer = setTimeout(() => {
        retryTimer = undefined
        void listenInProcess(source)
      }, delay)
      delay = Math.min(delay * 2, RETRY_MS.max)
    } finally {
      await probe.end().catch(() => {})
    }
  }
  let stopInProcess: (() => void) | undefined

  async function connect() {
    const next = new pg.Client({ ...options.connection, application_name: 'attrib-api-changes' })
    client = next
    next.on('error', (err) => retryLater(next, err))
    next.on('end', () => retryLater(next))
    try {
      await next.connect()
      const [{ schema }] = (await next.query<{ schema: string }>('SELECT current_schema() AS schema')).rows
      next.on('notification', (message) => {
        if (message.channel === CHANGES_CHANNEL && message.payload) publish(message.payload, schema)
      })
      await next.query(`LISTEN ${CHANGES_CHANNEL}`)
      if (closed) return void next.end().catch(() => {})
      delay = RETRY_MS.first
      generation++
      setListening(true)
      logger.info({ schema }, 'change feed listening')
    } catch (err) {
      retryLater(next, err)
    }
  }

  if (options.notifications) void listenInProcess(options.notifications)
  else void connect()
  return {
    bus,
    get listening() {
      return listening
    },
    get generation() {
      return generation
    },
    async close() {
      closed = true
      setListening(false)
      clearTimeout(retryTimer)
      stopInProcess?.()
      const last = client
      client = undefined
      if (last) {
        last.removeAllListeners()
        last.on('error', () => {})
        await last.end().catch(() => {})
      }
    },
  }
}
