import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import type { Logger } from '../logger.js'

const METRICS_REQUEST = 'attrib:metrics-request'
const METRICS_RESPONSE = 'attrib:metrics-response'
const RESTART_DELAY_MS = 1_000
/** A worker's exit code for a database schema it must not serve (EX_CONFIG): replacing it would not help. */
export const SCHEMA_NOT_CURRENT_EXIT = 78

/**
 * Runs the API in `count` worker processes sharing one port (node:cluster hands out connections round-robin):
 * each has its own connection pool, change feed and response cache. The primary only supervises: it replaces a
 * worker that dies, stops them all on SIGINT/SIGTERM, and sums their metrics for `/metrics`.
 */
export function superviseApiWorkers(count: number, logger: Logger): void {
  const aggregator = new AggregatorRegistry()
  let stopping = false
  const forkWorker = () => {
    const worker = cluster.fork()
    worker.on('message', (message: { type?: string; id?: number }) => {
      if (message?.type !== METRICS_REQUEST) return
      aggregator.clusterMetrics().then(
        (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
        (err: Error) => worker.send({ type: METRICS_RESPONSE, id: message.id, error: err.message }),
      )
    })
  }
  cluster.on('exit', (dead, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0)
      return
    }
    if (code === SCHEMA_NOT_CURRENT_EXIT) {
      logger.fatal({ pid: dead.process.pid }, 'API worker refused the database schema: stopping (run `attrib migrate`)')
      process.exitCode = 1
      stop()
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1)
      return
    }
    logger.error({ pid: dead.process.pid, code, signal }, 'API worker died: starting another')
    setTimeout(forkWorker, RESTART_DELAY_MS)
  })
  const stop = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM')
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  for (let i = 0; i < count; i++) forkWorker()
  logger.info({ workers: count }, 'API workers started')
}

/**
 * A worker's metrics text: the sum over every worker, asked of the primary (whichever worker a scrape reaches
 * answers for all of them). Outside a cluster, the registry's own.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics()
  const id = nextRequest++
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_RESPONSE || message.id !== id) return
      process.off('message', onMessage)
      if (message.error !== undefined) reject(new Error(message.error))
      else resolve(message.text!)
    }
    process.on('message', onMessage)
    process.send!({ type: METRICS_REQUEST, id })
  })
}

let nextRequest = 0
