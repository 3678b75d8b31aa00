import type { Logger } from '../../logger.js'
import type { Log, LogProducer, OutgoingRecord } from '../../log/log.js'

/** The log did not acknowledge in time: the caller must not claim success (HTTP answers 503). */
export class LogUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the log did not acknowledge: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

export interface Publisher {
  /** Resolves once the log has acknowledged every record; throws LogUnavailable otherwise. */
  publish(sends: { topic: string; records: OutgoingRecord[] }[]): Promise<void>
  close(): Promise<void>
}

/**
 * Publishes with a deadline, over one shared producer. A producer that failed or timed out is replaced on the
 * next publish: after an outage a client's producer can stay wedged (a fenced idempotent producer, a cluster
 * that came back empty), and a fresh one is the reliable way back.
 */
export function createPublisher(log: Log, options: { timeoutMs: number; logger: Logger }): Publisher {
  let producer: Promise<LogProducer> | undefined

  function discard(failed: Promise<LogProducer>) {
    if (producer === failed) producer = undefined
    failed.then((p) => p.close()).catch(() => {})
  }

  return {
    async publish(sends) {
      const pending = sends.filter((s) => s.records.length > 0)
      if (pending.length === 0) return
      const current = (producer ??= log.producer())
      const attempt = (async () => {
        const p = await current
        for (const { topic, records } of pending) await p.send(topic, records)
      })()
      try {
        await withDeadline(attempt, options.timeoutMs)
      } catch (err) {
        attempt.catch(() => {}) // still running after a timeout; its outcome no longer matters
        options.logger.debug({ err }, 'publishing usage records failed; the producer will be replaced')
        discard(current)
        throw new LogUnavailable(err)
      }
    },
    async close() {
      if (producer) await producer.then((p) => p.close()).catch(() => {})
      producer = undefined
    },
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}
