import cluster from 'node:cluster'
import { AggregatorRegistry, Counter, Registry, collectDefaultMetrics } from 'prom-client'

/** The process's Prometheus registry and the pipeline's counters, served on `/metrics`. */
export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'attrib_' })
// In an API worker (GQL_WORKERS > 1) the primary sums this registry with the other workers' (api/workers.ts).
// Constructing an AggregatorRegistry is what installs prom-client's answer to the primary's requests.
if (cluster.isWorker) {
  new AggregatorRegistry()
  AggregatorRegistry.setRegistries([registry])
}

export const metrics = {
  projectedRecords: new Counter({
    name: 'attrib_projected_records_total',
    help: 'Log records consumed by the projector (applied, skipped as duplicates, or dead-lettered)',
    labelNames: ['topic'],
    registers: [registry],
  }),
  plannedAhead: new Counter({
    name: 'attrib_projector_planned_ahead_total',
    help: 'Chain batches planned while the batch before them was written: written as planned, or planned again in their transaction (something else committed meanwhile)',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'attrib_dead_letters_total',
    help: 'Records refused by a stage, by stage and machine-readable reason',
    labelNames: ['stage', 'reason'],
    registers: [registry],
  }),
}
