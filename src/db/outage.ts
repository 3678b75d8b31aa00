import { Counter, Gauge } from 'prom-client'
import type { DataSource, QueryRunner } from 'typeorm'
import type { Logger } from '../logger.js'
import { registry } from '../metrics.js'

/**
 * PostgreSQL going away (a restart, a crash, a failover) is an outage to wait out, not an error to act on: every
 * service retries what it was doing with backoff, says so in its log and on /metrics, and carries on once the
 * database answers again. Only errors that mean "unreachable" are retried; a statement that fails on its data
 * still fails.
 */
export const databaseMetrics = {
  retries: new Counter({
    name: 'attrib_database_retries_total',
    help: 'Operations retried because PostgreSQL was unreachable, by service',
    labelNames: ['service'],
    registers: [registry],
  }),
  unavailable: new Gauge({
    name: 'attrib_database_unavailable',
    help: '1 while the service is waiting for PostgreSQL to come back, else 0',
    labelNames: ['service'],
    registers: [registry],
  }),
}

/** Node socket errors, and PostgreSQL's 08 (connection exception) and 57P01-03 (shut down, starting up). */
const UNREACHABLE_CODES = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|08...|57P0[123])$/
/** What `pg` says when a connection dies under a query, or a client that lost its connection is used again. */
const UNREACHABLE_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect/i

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>()
  const pending = [err]
  while (pending.length > 0) {
    const e = pending.pop()
    if (!e || typeof e !== 'object' || seen.has(e)) continue
    seen.add(e)
    const { code, message, driverError, cause, errors } = e as Record<string, unknown>
    if (typeof code === 'string' && UNREACHABLE_CODES.test(code)) return true
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return true
    // typeorm wraps the driver's error; Node wraps one error per address tried (AggregateError).
    pending.push(driverError, cause, ...(Array.isArray(errors) ? errors : []))
  }
  return false
}

export interface OutagePolicy {
  /** The service's name on /metrics (`service` label). */
  service: string
  logger: Logger
  initialDelayMs?: number
  maxDelayMs?: number
}

/**
 * Runs `operation` until it succeeds or fails for a reason other than the database being unreachable. The
 * operation must be safe to run again from the start: a transaction (rolled back by the outage) or a statement
 * that sets an absolute value.
 */
export async function retryWhileDatabaseDown<T>(what: string, policy: OutagePolicy, operation: () => Promise<T>): Promise<T> {
  const { service, logger, initialDelayMs = 250, maxDelayMs = 5_000 } = policy
  for (let attempt = 1, delay = initialDelayMs; ; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      const result = await operation()
      if (attempt > 1) {
        databaseMetrics.unavailable.set({ service }, 0)
        logger.info({ service, attempts: attempt }, `${what}: PostgreSQL is back; resumed`)
      }
      return result
    } catch (err) {
      if (!noteDatabaseOutage(what, policy, err, delay)) throw err
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

/**
 * For loops that retry on their own schedule: counts and logs `err` as an outage when it is one (true), so the
 * caller can tell an outage from a failure.
 */
export function noteDatabaseOutage(what: string, { service, logger }: OutagePolicy, err: unknown, retryInMs?: number): boolean {
  if (!isDatabaseUnavailable(err)) return false
  databaseMetrics.retries.inc({ service })
  databaseMetrics.unavailable.set({ service }, 1)
  logger.warn({ service, err: (err as Error).message, retryInMs }, `${what}: PostgreSQL unavailable; retrying`)
  return true
}

/** For loops that retry on their own schedule: the database answered again. */
export function noteDatabaseReachable({ service }: OutagePolicy): void {
  databaseMetrics.unavailable.set({ service }, 0)
}

/**
 * A session-level advisory lock that outlives database restarts: PostgreSQL drops the lock with the session,
 * so when the connection holding it dies, the lock is taken again on a new one (waiting, with backoff, for the
 * database and for the lock). `take` must block or retry until it holds the lock.
 */
export class SessionLock {
  private runner?: QueryRunner
  private taking?: Promise<void>
  private released = false

  constructor(
    private readonly db: DataSource,
    private readonly take: (runner: QueryRunner) => Promise<void>,
    private readonly policy: OutagePolicy & { what: string },
  ) {}

  /** Resolves once the lock is held (at once while the connection holding it is alive). */
  async held(): Promise<void> {
    if (this.released) throw new Error(`${this.policy.what}: the lock was released`)
    if (this.runner && !this.runner.isReleased) return
    return (this.taking ??= this.takeAgain().finally(() => (this.taking = undefined)))
  }

  private async takeAgain(): Promise<void> {
    const lost = this.runner !== undefined
    this.runner = undefined
    await retryWhileDatabaseDown(this.policy.what, this.policy, async () => {
      const runner = this.db.createQueryRunner()
      try {
        await this.take(runner)
        this.runner = runner
      } catch (err) {
        await runner.release().catch(() => {})
        throw err
      }
    })
    if (lost) this.policy.logger.warn({ service: this.policy.service }, `${this.policy.what}: the lock was lost with its connection and is held again`)
  }

  async release(): Promise<void> {
    this.released = true
    await this.taking?.catch(() => {})
    await this.runner?.release()
    this.runner = undefined
  }
}
