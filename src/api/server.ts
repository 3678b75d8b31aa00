import { createServer, type Server } from 'node:http'
import { createSchema, createYoga, useReadinessCheck } from 'graphql-yoga'
import type { DataSource } from 'typeorm'
import type { Logger } from '../logger.js'
import { registry } from '../metrics.js'
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js'
import { createLoaders, createResolvers, type ApiContext } from './resolvers.js'
import { typeDefs } from './schema.graphql.js'

/** The GraphQL API: `/graphql` (GraphiQL on GET from a browser), `/healthz` (readiness), `/metrics`. */
export function createApi(db: DataSource, logger: Logger) {
  return createYoga<{}, ApiContext>({
    schema: createSchema({ typeDefs, resolvers: createResolvers(db) }),
    context: () => ({ loaders: createLoaders(db) }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: logger,
    plugins: [
      useReadinessCheck({ endpoint: '/healthz', check: async () => (await db.query('SELECT 1')).length === 1 }),
      useMetricsEndpoint(registry),
    ],
  })
}

export async function startApiServer(options: { db: DataSource; logger: Logger; port: number }): Promise<Server> {
  const server = createServer(createApi(options.db, options.logger))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '0.0.0.0', resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  options.logger.info({ url: `http://127.0.0.1:${port}/graphql` }, 'GraphQL API listening')
  return server
}
