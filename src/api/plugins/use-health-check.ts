import type { Plugin } from 'graphql-yoga'
import type { IndexStatus } from '../status.js'

/**
 * `endpoint` answers readiness: 200 with the index status (heights and lag) when the database answers (and,
 * if `maxReadyLag` is set, the lag is within it), else 503. `endpoint/live` answers liveness: 200 while the
 * process serves HTTP at all.
 */
export function useHealthCheck(options: {
  status: () => Promise<IndexStatus>
  endpoint?: string
  maxReadyLag?: number
  timeoutMs?: number
}): Plugin {
  const { endpoint = '/healthz', maxReadyLag, timeoutMs = 2_000 } = options
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      const json = (status: number, body: object) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
      if (url.pathname === `${endpoint}/live`) return endResponse(json(200, { status: 'alive' }))
      if (url.pathname !== endpoint) return
      try {
        const status = await withTimeout(options.status(), timeoutMs)
        const lagging = maxReadyLag != null && status.lag != null && status.lag > maxReadyLag
        endResponse(json(lagging ? 503 : 200, { status: lagging ? 'lagging' : 'ready', ready: !lagging, database: 'up', ...status }))
      } catch (err) {
        endResponse(json(503, { status: 'unavailable', ready: false, database: 'down', error: (err as Error).message }))
      }
    },
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
