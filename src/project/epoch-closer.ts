import type { DataSource } from 'typeorm'
import { noticeCommit } from '../db/change-notice.js'
import { noteDatabaseOutage, noteDatabaseReachable } from '../db/outage.js'
import type { Logger } from '../logger.js'
import type { Log } from '../log/log.js'
import { journalEpochClose } from './journal.js'
import { closeFinalEpochs } from './projections/epochs.js'

/**
 * Closes epochs whose last block is final, but only at a moment when the projector has applied every usage
 * record already on the log. The chain and the usage records are separate streams consumed at their own pace:
 * closing on the chain's finality alone would, after any backlog, dead-letter as "epoch closed" records that
 * were sent in time. The close is journaled, so a replay closes at the same point of the interleaving.
 */
export function startEpochCloser(options: {
  db: DataSource
  log: Log
  group: string
  usageTopic: string
  epochBlocks: number
  logger: Logger
  intervalMs?: number
  /** How long a record still being ingested (pending or unpublished) may hold a close back. */
  inFlightGraceSeconds?: number
}): { stop(): Promise<void> } {
  const { db, log, group, usageTopic, epochBlocks, logger, intervalMs = 1000, inFlightGraceSeconds = 600 } = options
  let stopped = false
  let running: Promise<void> = Promise.resolve()

  async function usageCaughtUp(): Promise<boolean> {
    const ends = await log.endOffsets(usageTopic)
    const rows: { partition: number; next: string }[] = await db.query(
      'SELECT partition, next_offset AS next FROM consumer_offset WHERE group_id = $1 AND topic = $2',
      [group, usageTopic],
    )
    const applied = new Map(rows.map((r) => [r.partition, BigInt(r.next)]))
    return [...ends].every(([partition, end]) => (applied.get(partition) ?? 0n) >= end)
  }

  /**
   * Records the usage ingester holds (waiting for their node or model to be projected, or claimed and not yet
   * acknowledged by the log) are on their way too; they hold a close back for a bounded grace period, so that a
   * record from a node that never registers cannot hold an epoch open.
   */
  async function usageInFlight(): Promise<boolean> {
    const [row] = await db.query(
      `SELECT (SELECT count(*) FROM usage_pending WHERE received_at > now() - make_interval(secs => $1))
            + (SELECT count(*) FROM usage_claim WHERE claimed_at > now() - make_interval(secs => $1)) AS n`,
      [inFlightGraceSeconds],
    )
    return Number(row.n) > 0
  }

  async function closeIfDue(): Promise<void> {
    const [state] = await db.query('SELECT max(finalized_height) AS height FROM chain_state')
    if (state?.height == null) return
    const [due] = await db.query(`SELECT count(*)::int AS n FROM epoch WHERE status = 'OPEN' AND last_block <= $1`, [state.height])
    if (due.n === 0 || (await usageInFlight()) || !(await usageCaughtUp())) return
    await db.transaction(async (em) => {
      // The group's offset rows are locked by every projector transaction: holding them orders this close
      // against concurrent batches of any instance of the group.
      await em.query('SELECT 1 FROM consumer_offset WHERE group_id = $1 FOR UPDATE', [group])
      const [locked] = await em.query('SELECT max(finalized_height) AS height FROM chain_state')
      await closeFinalEpochs(em, locked.height, epochBlocks)
      await journalEpochClose(em, group, locked.height)
      await noticeCommit(em)
    })
    logger.info({ finalizedHeight: state.height, epochs: due.n }, 'epochs closed')
    await summariseEdgeRanges()
  }

  /**
   * A closed epoch's edges are all written: summarising the edge table's new block ranges now lets its
   * reconciliation read only them (db/migrations/1795670000000-EdgeEpochRanges.js). Autovacuum would do it in
   * time, where it runs; this does not wait for it. Only the pages written since the last close are read.
   */
  async function summariseEdgeRanges(): Promise<void> {
    await db.query("SELECT brin_summarize_new_values('attribution_edge_epoch_ranges')")
  }

  // Each tick tries again, so a database outage only delays a close (and is counted as one).
  const outage = { service: 'projector', logger }
  const timer = setInterval(() => {
    running = running
      .then(() => (stopped ? undefined : closeIfDue()))
      .then(() => noteDatabaseReachable(outage))
      .catch((err) => {
        if (!noteDatabaseOutage('closing epochs', outage, err, intervalMs)) logger.error({ err }, 'closing epochs failed')
      })
  }, intervalMs)
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
