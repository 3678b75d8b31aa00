import { Counter, Gauge } from 'prom-client'
import { registry } from '../../metrics.js'

/** The chain ingester's Prometheus metrics, in the process's shared registry. */
export const ingestMetrics = {
  lastProcessedBlock: new Gauge({
    name: 'attrib_ingest_last_processed_block',
    help: 'Highest block whose events are on the log and in the ingest cursor',
    registers: [registry],
  }),
  chainHead: new Gauge({
    name: 'attrib_ingest_chain_head',
    help: 'Latest block number the RPC endpoint reports',
    registers: [registry],
  }),
  lag: new Gauge({
    name: 'attrib_ingest_lag_blocks',
    help: 'Blocks between the chain head and the last processed block',
    registers: [registry],
  }),
  eventsPublished: new Counter({
    name: 'attrib_ingest_events_published_total',
    help: 'Protocol events published to the chain topic, by event type (re-publications after a restart included)',
    labelNames: ['type'],
    registers: [registry],
  }),
  orphanedBlocks: new Counter({
    name: 'attrib_ingest_orphaned_blocks_total',
    help: 'Published blocks that left the canonical chain and were rolled back (BlocksOrphaned)',
    registers: [registry],
  }),
  publishRetries: new Counter({
    name: 'attrib_ingest_publish_retries_total',
    help: 'Failed attempts to reach the log (create topics, connect, publish), each retried after a backoff',
    registers: [registry],
  }),
  deadLetters: new Counter({
    name: 'attrib_ingest_dead_letters_total',
    help: 'Logs of watched contracts that could not be decoded, sent to the dead-letter topic, by reason',
    labelNames: ['reason'],
    registers: [registry],
  }),
}
