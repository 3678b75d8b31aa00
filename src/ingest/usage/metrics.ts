import { Counter, Gauge } from 'prom-client'
import { registry } from '../../metrics.js'

/**
 * The usage ingester's counters, in the process registry (served on `/metrics`). Refusals are counted here, by
 * source and reason, and not in `attrib_dead_letters_total`: the projector counts that one when it stores the
 * dead letter, so counting it here too would double it in `attrib run`.
 */
export const usageMetrics = {
  records: new Counter({
    name: 'attrib_usage_records_total',
    help: 'Usage records received, by source and outcome (accepted, duplicate, pending, rejected)',
    labelNames: ['source', 'outcome'],
    registers: [registry],
  }),
  rejected: new Counter({
    name: 'attrib_usage_rejected_total',
    help: 'Usage records dead-lettered, by source and machine-readable reason',
    labelNames: ['source', 'reason'],
    registers: [registry],
  }),
  pending: new Gauge({
    name: 'attrib_usage_pending_records',
    help: 'Usage records waiting for their node, model or agent to appear in the projection',
    registers: [registry],
  }),
}
