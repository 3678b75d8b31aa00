import { createServer, type Server } from 'node:http'
import type { Logger } from '../../logger.js'
import { registry } from '../../metrics.js'

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

/**
 * Serves the process's Prometheus registry on GET /metrics (the chain ingester's and the projector's). A port
 * already taken is logged and the process carries on without it: its metrics are worth less than its work.
 */
export async function serveMetrics(port: number, logger: Logger): Promise<MetricsServer | undefined> {
  if (port === 0) return undefined
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n')
      return
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    )
  })
  try {
    await listen(server, port)
  } catch (err) {
    logger.error({ err, port }, 'METRICS_PORT is not available: serving no metrics')
    return undefined
  }
  logger.info({ url: `http://127.0.0.1:${port}/metrics` }, 'metrics served')
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject)
      resolve()
    })
  })
}
