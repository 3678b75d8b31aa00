import { createServer, type Server } from 'node:http'
import type { Logger } from '../../logger.js'
import { registry } from '../../metrics.js'

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

/**
 * Serves the process's Prometheus registry on GET /metrics (the chain ingester's, and `attrib project`'s). A port
 * already taken stops the start with an error naming it: an ingester whose metrics silently went missing would
 * look healthy to nobody (two ingesters on the default 9464 used to go unnoticed this way). METRICS_PORT=0
 * serves no metrics.
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
    throw new Error(`METRICS_PORT ${port} cannot be served (${(err as Error).message}): choose a free port, or 0 for no metrics`, { cause: err })
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
