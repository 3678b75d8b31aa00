import { Counter, Registry, collectDefaultMetrics } from 'prom-client'

/** The process's Prometheus registry and the pipeline's counters, served on `/metrics`. */
export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'attrib_' })

export const metrics = {
  projectedRecords: new Counter({
    name: 'attrib_projected_records_total',
    help: 'Log records consumed by the projector (applied, skipped as duplicates, or dead-lettered)',
    labelNames: ['topic'],
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'attrib_dead_letters_total',
    help: 'Records refused by a stage, by stage and machine-readable reason',
    labelNames: ['stage', 'reason'],
    registers: [registry],
  }),
}
