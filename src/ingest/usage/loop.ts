import { noteDatabaseOutage, noteDatabaseReachable } from '../../db/outage.js'
import type { Logger } from '../../logger.js'

export interface Loop {
  /** Stops after the current round (if any) has finished. */
  close(): Promise<void>
}

/**
 * Runs `round` every `intervalMs`, one round at a time. A failed round (the log or the database unavailable)
 * is logged and tried again next time: the work it did not confirm is still there to do.
 */
export function startLoop(what: string, intervalMs: number, logger: Logger, round: (isStopping: () => boolean) => Promise<void>): Loop {
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let current: Promise<void> = Promise.resolve()
  const isStopping = () => stopping

  const run = () => {
    const outage = { service: 'usage-ingest', logger }
    current = round(isStopping)
      .then(() => noteDatabaseReachable(outage))
      .catch((err) => {
        if (!noteDatabaseOutage(what, outage, err, intervalMs)) logger.warn({ err }, `${what}: round failed; retrying in ${intervalMs} ms`)
      })
      .finally(() => {
        if (!stopping) timer = setTimeout(run, intervalMs)
      })
  }
  timer = setTimeout(run, 0)

  return {
    async close() {
      stopping = true
      clearTimeout(timer)
      await current
    },
  }
}
