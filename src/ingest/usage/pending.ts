import type { DataSource } from 'typeorm'
import type { Logger } from '../../logger.js'
import type { UsageIngester } from './ingester.js'
import { startLoop, type Loop } from './loop.js'
import { usageMetrics } from './metrics.js'
import type { PendingQuota } from './pending-quota.js'
import { countPending, type PendingPage } from './store.js'

/**
 * The usage ingester's background duties, each round:
 * - publish claims the log never acknowledged (older than `republishAfterMs`, so requests in flight finish);
 * - check every waiting record against the projection again. A record is decided as soon as its node, model
 *   and agent are projected. The wait is bounded: it is refused as `unknown-node` / `unknown-model` /
 *   `unknown-agent` once the projection's chain time (the latest projected registration) is more than
 *   `graceSeconds` past the record's time, since chain events are projected in order and what was not
 *   registered by then was not registered at the record's time; or, on a chain too quiet for that to happen,
 *   once it has waited `timeoutMs`;
 * - re-read the counts of waiting records per claimed node that bound the pending table.
 */
const PAGE = 500

export function startPendingSweeper(options: {
  db: DataSource
  ingester: UsageIngester
  pendingQuota: PendingQuota
  recheckMs: number
  republishAfterMs: number
  logger: Logger
}): Loop {
  const { db, ingester } = options
  return startLoop('usage pending recheck', options.recheckMs, options.logger, async (isStopping) => {
    while (!isStopping() && (await ingester.republishUnacknowledged(options.republishAfterMs, PAGE)) === PAGE);
    let page: PendingPage | undefined
    do page = await ingester.recheckPending(PAGE, page)
    while (page && !isStopping())
    usageMetrics.pending.set(await countPending(db))
    await options.pendingQuota.refresh(db)
  })
}
