import { Counter, Gauge, Histogram } from 'prom-client'
import { registry } from '../metrics.js'

/** The API's Prometheus metrics, served with the rest of the process's on /metrics. */
export const apiMetrics = {
  operations: new Counter({
    name: 'attrib_api_operations_total',
    help: 'GraphQL operations executed, by type (query, subscription) and outcome (ok, error)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  }),
  duration: new Histogram({
    name: 'attrib_api_operation_duration_seconds',
    help: 'Time to execute a GraphQL query (subscriptions: to set up)',
    labelNames: ['type'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  statementsPerOperation: new Histogram({
    name: 'attrib_api_sql_statements_per_operation',
    help: 'SQL statements one GraphQL query ran (dataloaders keep this flat as pages grow)',
    buckets: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89],
    registers: [registry],
  }),
  compiledQueries: new Counter({
    name: 'attrib_api_compiled_queries_total',
    help: 'Query documents compiled to JavaScript (graphql-jit), from their second execution on',
    registers: [registry],
  }),
  responseCache: new Counter({
    name: 'attrib_api_response_cache_total',
    help: 'Query responses served from the response cache (hit) and stored in it (store); misses are the other queries',
    labelNames: ['event'],
    registers: [registry],
  }),
  rejected: new Counter({
    name: 'attrib_api_rejected_operations_total',
    help: 'Operations refused before execution, by reason (depth, cost)',
    labelNames: ['reason'],
    registers: [registry],
  }),
  activeSubscriptions: new Gauge({
    name: 'attrib_api_subscriptions_active',
    help: 'Subscriptions currently open (SSE and WebSocket)',
    registers: [registry],
  }),
  notifications: new Counter({
    name: 'attrib_api_change_notifications_total',
    help: 'Change notifications received from PostgreSQL (LISTEN attrib_changes), by kind',
    labelNames: ['kind'],
    registers: [registry],
  }),
  feedConnected: new Gauge({
    name: 'attrib_api_change_feed_connected',
    help: 'Change feeds holding their LISTEN connection (1 per API process while it listens)',
    registers: [registry],
  }),
}
