import type { Server } from 'node:http'
import type { ExecutionArgs } from 'graphql'
import { useServer } from 'graphql-ws/use/ws'
import type { YogaServerInstance } from 'graphql-yoga'
import { WebSocketServer } from 'ws'

type Enveloped = ReturnType<YogaServerInstance<object, object>['getEnveloped']>

/**
 * GraphQL over WebSocket (graphql-ws, the graphql-transport-ws protocol) on the HTTP server's own port and
 * path. Each operation goes through yoga's envelop pipeline, so the depth and cost limits, the context and
 * the metrics apply exactly as over HTTP.
 */
export function serveWebSocket(server: Server, yoga: YogaServerInstance<object, object>, options: { maxPayload?: number } = {}): { close(): Promise<void> } {
  // A message larger than maxPayload closes its socket (1009) before it is parsed.
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: options.maxPayload })
  const graphqlWs = useServer(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params })
        let document
        try {
          document = enveloped.parse(params.query)
        } catch (err) {
          return [err as never]
        }
        const errors = enveloped.validate(enveloped.schema, document)
        if (errors.length > 0) return errors
        return {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        }
      },
    },
    sockets,
  )
  return {
    async close() {
      await graphqlWs.dispose() // closes every socket with 1001 "Going away"
      await new Promise<void>((resolve) => sockets.close(() => resolve()))
    },
  }
}
