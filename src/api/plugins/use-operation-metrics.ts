import type { Plugin } from 'graphql-yoga'
import { apiMetrics } from '../api-metrics.js'
import type { Sql } from '../sql.js'

/** Counts and times operations, SQL statements per query, and open subscriptions. */
export function useOperationMetrics(): Plugin<{ sql: Sql }> {
  return {
    onExecute({ args }) {
      const started = performance.now()
      const before = args.contextValue.sql.statements
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && (result.errors?.length ?? 0) > 0
          apiMetrics.operations.inc({ type: 'query', outcome: failed ? 'error' : 'ok' })
          apiMetrics.duration.observe({ type: 'query' }, (performance.now() - started) / 1000)
          apiMetrics.statementsPerOperation.observe(args.contextValue.sql.statements - before)
        },
      }
    },
    onSubscribe() {
      const started = performance.now()
      return {
        onSubscribeResult({ result }) {
          const failed = 'errors' in result && (result.errors?.length ?? 0) > 0
          apiMetrics.operations.inc({ type: 'subscription', outcome: failed ? 'error' : 'ok' })
          apiMetrics.duration.observe({ type: 'subscription' }, (performance.now() - started) / 1000)
          if (failed) return
          apiMetrics.activeSubscriptions.inc()
          return { onEnd: () => apiMetrics.activeSubscriptions.dec() }
        },
      }
    },
  }
}
