import type { Logger } from '../../logger.js'
import { ingestMetrics } from './ingest-metrics.js'

export interface ProgressSnapshot {
  chainId: number
  /** Highest block on the log and in the cursor; -1 before the first. */
  height: number
  /** The chain's latest block, as last polled; undefined until the first poll answers. */
  head?: number
  blocksPerSecond: number
  eventsPerSecond: number
  /** Seconds to reach the head at the current speed; undefined when idle or the head is unknown. */
  etaSeconds?: number
}

export interface ProgressOptions {
  chainId: number
  logger: Logger
  /** The chain's latest block number. */
  fetchHead(): Promise<number>
  /** Where the in-place line goes; on a non-TTY a log line is written every `logIntervalMs` instead. */
  stream?: NodeJS.WriteStream
  logIntervalMs?: number
}

const TTY_REFRESH_MS = 1_000
const HEAD_POLL_MS = 5_000
/** Speeds are averaged over this much recent history: smooth, yet they drop to 0 soon after work stops. */
const RATE_WINDOW_MS = 15_000

interface Sample {
  at: number
  height: number
  events: number
}

/**
 * Tracks how far the ingester is, updates the lag and head gauges, and reports it: one line kept up to date
 * in place on a terminal, a plain log line every few seconds otherwise (logs are read by machines there).
 */
export function startProgress(options: ProgressOptions) {
  const { chainId, logger, stream = process.stderr, logIntervalMs = 5_000 } = options
  const interactive = stream.isTTY === true
  let height = -1
  let events = 0
  let head: number | undefined
  let headPolledAt = 0
  let samples: Sample[] = []
  let lineShown = false

  function snapshot(now = Date.now()): ProgressSnapshot {
    samples = samples.filter((s) => now - s.at <= RATE_WINDOW_MS)
    const first = samples[0]
    const seconds = first ? (now - first.at) / 1000 : 0
    const blocksPerSecond = seconds > 0 ? (height - first.height) / seconds : 0
    const eventsPerSecond = seconds > 0 ? (events - first.events) / seconds : 0
    const lag = head != null && height >= 0 ? Math.max(head - height, 0) : undefined
    const etaSeconds = lag != null && blocksPerSecond > 0 ? lag / blocksPerSecond : lag === 0 ? 0 : undefined
    return { chainId, height, head, blocksPerSecond, eventsPerSecond, etaSeconds }
  }

  function updateGauges() {
    if (height >= 0) ingestMetrics.lastProcessedBlock.set(height)
    if (head != null) ingestMetrics.chainHead.set(head)
    if (head != null && height >= 0) ingestMetrics.lag.set(Math.max(head - height, 0))
  }

  async function pollHead() {
    if (Date.now() - headPolledAt < HEAD_POLL_MS) return
    headPolledAt = Date.now()
    try {
      head = await options.fetchHead()
      updateGauges()
    } catch (err) {
      logger.debug({ err }, 'progress: polling the chain head failed')
    }
  }

  function report() {
    const current = snapshot()
    if (interactive) {
      // The cursor is left at the line's start, so any other output (the processor's own status, warnings)
      // overwrites this line instead of being glued to its end; the next refresh redraws it below.
      stream.write(`\r\x1b[K${formatProgressLine(current)}\r`)
      lineShown = true
    } else {
      logger.info({ progress: roundedForLog(current) }, 'ingest progress')
    }
  }

  const timer = setInterval(
    () => void pollHead().then(report),
    interactive ? TTY_REFRESH_MS : logIntervalMs,
  ).unref()
  void pollHead()

  return {
    /** A batch is on the log and in the cursor: `height` is the highest block it covered. */
    committed(newHeight: number, publishedEvents: number) {
      height = Math.max(height, newHeight)
      events += publishedEvents
      samples.push({ at: Date.now(), height, events })
      if (head != null && height > head) head = height
      updateGauges()
    },
    stop() {
      clearInterval(timer)
      if (lineShown) stream.write('\n')
    },
  }
}

/** e.g. `chain 1612: block 1,204,000 / 1,250,000 (96.3%) · 812 blocks/s · 35.2 events/s · ETA 57s` */
export function formatProgressLine(p: ProgressSnapshot): string {
  const number = (n: number) => n.toLocaleString('en-US')
  const done = p.height < 0 ? '(none yet)' : number(p.height)
  const ofHead = p.head == null ? '' : ` / ${number(p.head)}${p.head > 0 && p.height >= 0 ? ` (${((100 * p.height) / p.head).toFixed(1)}%)` : ''}`
  const eta = p.etaSeconds == null ? 'ETA ?' : p.etaSeconds === 0 ? 'at head' : `ETA ${formatDuration(p.etaSeconds)}`
  return `chain ${p.chainId}: block ${done}${ofHead} · ${formatRate(p.blocksPerSecond)} blocks/s · ${formatRate(p.eventsPerSecond)} events/s · ${eta}`
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? Math.round(perSecond).toString() : perSecond.toFixed(1)
}

export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function roundedForLog(p: ProgressSnapshot) {
  return {
    height: p.height,
    head: p.head,
    lag: p.head != null && p.height >= 0 ? Math.max(p.head - p.height, 0) : undefined,
    blocksPerSecond: Number(p.blocksPerSecond.toFixed(1)),
    eventsPerSecond: Number(p.eventsPerSecond.toFixed(1)),
    etaSeconds: p.etaSeconds == null ? undefined : Math.ceil(p.etaSeconds),
  }
}
