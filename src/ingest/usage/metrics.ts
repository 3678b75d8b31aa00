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
  recoveries: new Counter({
    name: 'attrib_usage_signature_recoveries_total',
    help: 'secp256k1 public-key recoveries done to check usage record signatures (each costs about 60 µs native, 1.5 ms in JS)',
    registers: [registry],
  }),
  shedRequests: new Counter({
    name: 'attrib_usage_shed_requests_total',
    help: 'POST /usage requests answered 429 because their records would exceed a verification budget (scope: address, node or overall)',
    labelNames: ['scope'],
    registers: [registry],
  }),
  shedRecords: new Counter({
    name: 'attrib_usage_shed_records_total',
    help: 'Records in POST /usage requests answered 429, by the budget that was spent (scope: address, node or overall)',
    labelNames: ['scope'],
    registers: [registry],
  }),
  nativeCrypto: new Gauge({
    name: 'attrib_usage_native_crypto',
    help: 'Whether the native addon serves each part of signature checking (1) or the pure-JS fallback does (0)',
    labelNames: ['part'],
    registers: [registry],
  }),
  pending: new Gauge({
    name: 'attrib_usage_pending_records',
    help: 'Usage records waiting for their node, model or agent to appear in the projection',
    registers: [registry],
  }),
}
