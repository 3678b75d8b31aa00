import type { Logger } from 'pino'

/**
 * Retries an operation until it succeeds, with capped exponential backoff: for the log of record, waiting out
 * a broker outage is right, while skipping or exiting would lose data or churn restarts.
 */
export async function retryForever<T>(
  what: string,
  operation: () => Promise<T>,
  options: { logger: Logger; onRetry?: () => void; initialDelayMs?: number; maxDelayMs?: number },
): Promise<T> {
  const { initialDelayMs = 250, maxDelayMs = 30_000 } = options
  for (let attempt = 1, delay = initialDelayMs; ; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      return await operation()
    } catch (err) {
      options.onRetry?.()
      options.logger.warn({ err, attempt, retryInMs: delay }, `${what} failed; retrying`)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
