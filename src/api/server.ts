import { Server } from 'node:http'
import path from 'node:path'
import type pg from 'pg'
import { createSchema, createYoga } from 'graphql-yoga'
import type { DataSource } from 'typeorm'
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions.js'
import type { NotificationSource } from '../db/wire-notifications.js'
import type { Logger } from '../logger.js'
import { repoRoot } from '../repo-root.js'
import { registry } from '../metrics.js'
import { startChangeFeed } from './change-feed.js'
import { createContext, type ApiContext } from './context.js'
import { useCompiledQueries } from './plugins/use-compiled-queries.js'
import { useCostLimit } from './plugins/use-cost-limit.js'
import { useDepthLimit } from './plugins/use-depth-limit.js'
import { renderOfflineGraphiQL, useExplorer } from './plugins/use-explorer.js'
import { useHealthCheck } from './plugins/use-health-check.js'
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js'
import { useOperationLimits } from './plugins/use-operation-limits.js'
import { useRequestLimits } from './plugins/use-request-limits.js'
import { useOperationMetrics } from './plugins/use-operation-metrics.js'
import { useProjectionResponseCache } from './plugins/use-projection-response-cache.js'
import { createResolvers } from './resolvers/index.js'
import { typeDefs } from './schema/index.js'
import { createApiDatabase, createSql } from './sql.js'
import { indexStatus } from './status.js'
import { serveWebSocket } from './websocket.js'

export interface ApiOptions {
  /** Deepest nesting of fields an operation may have (default 12). */
  maxDepth?: number
  /** Highest estimated cost an operation may have (default 10,000; see query-cost.ts). */
  maxCost?: number
  /** /healthz answers 503 while the index is more blocks than this behind the chain head (default: no limit). */
  maxReadyLag?: number
  /** Query responses cached until the projection next commits (default 1,000; 0: no cache; plugins/use-projection-response-cache.ts). */
  responseCacheEntries?: number
  /** Connections of the API's own pool, per process (default 10). */
  poolSize?: number
  /** A statement running longer is cancelled and its operation answers STATEMENT_TIMEOUT (default 5,000 ms). */
  statementTimeoutMs?: number
  /** Prepare fixed-text statements (default true; off where one session serves every connection, as PGlite does). */
  preparedStatements?: boolean
  /** Largest request body (document and variables) or WebSocket message, in bytes (default 131,072). */
  maxBodyBytes?: number
  /** Lexical tokens a document may have (default 2,000). */
  maxTokens?: number
  /** Aliases an operation may use (default 100). */
  maxAliases?: number
  /** Root fields an operation may select (default 100). */
  maxRootFields?: number
  /** Directives an operation may use (default 50). */
  maxDirectives?: number
  /** The database's notifications in this process (the embedded PGlite of `attrib dev`), instead of LISTEN. */
  notifications?: NotificationSource
}

export const DEFAULT_LIMITS = {
  maxDepth: 12,
  maxCost: 10_000,
  responseCacheEntries: 1_000,
  poolSize: 10,
  statementTimeoutMs: 5_000,
  maxBodyBytes: 131_072,
  maxTokens: 2_000,
  maxAliases: 100,
  maxRootFields: 100,
  maxDirectives: 50,
}

/**
 * The GraphQL API: `/graphql` (queries and SSE subscriptions; GraphiQL on GET from a browser), `/healthz`
 * (readiness with the lag) and `/healthz/live`, `/metrics`. It holds a LISTEN connection of its own for the
 * subscriptions, released by `yoga.dispose()`.
 */
export function createApi(db: DataSource | string, logger: Logger, options: ApiOptions = {}) {
  const feed = startChangeFeed({ connection: listenerConnection(db), logger, notifications: options.notifications })
  const database = createApiDatabase(listenerConnection(db), {
    poolSize: options.poolSize ?? DEFAULT_LIMITS.poolSize,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_LIMITS.statementTimeoutMs,
    preparedStatements: options.preparedStatements ?? true,
  })
  const yoga = createYoga<object, ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers: createResolvers(feed.bus) }),
    context: () => createContext(database),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    renderGraphiQL: renderOfflineGraphiQL,
    logging: logger,
    plugins: [
      useHealthCheck({
        status: async () => ({ ...(await indexStatus(createSql(database))), changeFeed: feed.listening ? 'listening' : 'disconnected' }),
        maxReadyLag: options.maxReadyLag,
      }),
      useMetricsEndpoint(registry),
      useRequestLimits({ maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes }),
      ...useOperationLimits({
        maxTokens: options.maxTokens ?? DEFAULT_LIMITS.maxTokens,
        maxAliases: options.maxAliases ?? DEFAULT_LIMITS.maxAliases,
        maxRootFields: options.maxRootFields ?? DEFAULT_LIMITS.maxRootFields,
        maxDirectives: options.maxDirectives ?? DEFAULT_LIMITS.maxDirectives,
      }),
      useExplorer({ dir: path.join(repoRoot, 'lib/web') }),
      useDepthLimit({ maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth }),
      useCostLimit({ maxCost: options.maxCost ?? DEFAULT_LIMITS.maxCost }),
      useOperationMetrics(),
      useCompiledQueries(logger),
      useProjectionResponseCache(feed, { maxEntries: options.responseCacheEntries ?? DEFAULT_LIMITS.responseCacheEntries }),
    ],
  })
  yoga.disposableStack.defer(() => feed.close())
  yoga.disposableStack.defer(() => database.pool.end())
  return yoga
}

/** The API's pool and change feed connect like the data source does (or to a URL), on connections of their own. */
function listenerConnection(db: DataSource | string): pg.ClientConfig {
  if (typeof db === 'string') return { connectionString: db }
  const options = db.options as PostgresConnectionOptions
  const extra = options.extra as { options?: string } | undefined
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: typeof options.password === 'string' ? options.password : undefined,
    database: options.database,
    options: extra?.options,
  }
}

/** An HTTP server whose `close` also ends subscriptions (WebSocket and SSE) and the change feed. */
export class ApiServer extends Server {
  shutdown: () => Promise<void> = async () => {}
  private closing?: Promise<void>

  override close(callback?: (err?: Error) => void): this {
    super.close(callback)
    this.closing ??= this.shutdown().finally(() => this.closeAllConnections())
    return this
  }
}

export async function startApiServer(options: { db: DataSource | string; logger: Logger; port: number } & ApiOptions): Promise<ApiServer> {
  const yoga = createApi(options.db, options.logger, options)
  const server = new ApiServer(yoga)
  const websocket = serveWebSocket(server, yoga as never, { maxPayload: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes })
  server.shutdown = async () => {
    await websocket.close()
    await yoga.dispose()
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '0.0.0.0', resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  options.logger.info({ url: `http://127.0.0.1:${port}/graphql` }, 'GraphQL API listening (HTTP, SSE and WebSocket)')
  return server
}
