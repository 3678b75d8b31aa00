import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { setRootSink } from '@subsquid/logger'
import { destination, multistream, pino } from 'pino'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { metrics } from '../metrics.js'

/**
 * `attrib dev` in a terminal: a short status that redraws in place, warnings and errors as readable lines above
 * it, and the full JSON log in a file of the data folder. Off the terminal (or LOG_FORMAT=json), JSON on stderr
 * as everywhere else.
 */
export function wantsTerminal(config: Pick<Config, 'jsonLogs'>): boolean {
  return Boolean(process.stderr.isTTY) && !config.jsonLogs
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v'])

/** One JSON log line as a person reads it: time, level, message, then the fields (an error by its message). */
export function readableLine(json: string): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(json)
  } catch {
    return json.trimEnd()
  }
  const time = new Date(Number(record.time)).toISOString().slice(11, 19)
  const fields = Object.entries(record)
    .filter(([key]) => !RESERVED.has(key))
    .map(([key, value]) => {
      if (value && typeof value === 'object' && 'message' in value) return `${key}: ${(value as { message: unknown }).message}`
      return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`
    })
  return `${time} ${LEVEL_NAMES[Number(record.level)] ?? record.level} ${record.msg ?? ''}${fields.length ? `  (${fields.join(', ')})` : ''}`
}

/** Lines at the bottom of the terminal, redrawn in place; log lines are printed above them. */
export class StatusBoard {
  private drawn = 0
  private lines: string[] = []
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  log(text: string) {
    this.out.write(this.erase() + text + '\n' + this.render())
  }

  update(lines: string[]) {
    this.lines = lines
    this.out.write(this.erase() + this.render())
  }

  /** Leaves the last status on screen, for whoever reads it after the exit. */
  close() {
    this.drawn = 0
  }

  private erase(): string {
    return this.drawn ? `\x1b[${this.drawn}F\x1b[J` : ''
  }

  private render(): string {
    this.drawn = this.lines.length
    return this.lines.map((line) => line.slice(0, (this.out.columns || 120) - 1) + '\n').join('')
  }
}

/**
 * The dev logger on a terminal: every record, JSON, into `<dataDir>/attrib.log`; warnings and worse, readable,
 * on the board. The squid processor's own logger (a line per block otherwise) goes the same way.
 */
export function createTerminalLogger(level: string, dataDir: string, board: StatusBoard): { logger: Logger; logFile: string } {
  mkdirSync(dataDir, { recursive: true })
  const logFile = path.join(path.resolve(dataDir), 'attrib.log')
  const readable = { write: (line: string) => board.log(readableLine(line)) }
  const logger = pino(
    { name: 'attrib', level: level === 'silent' ? 'silent' : 'trace' },
    multistream([
      { level: 'warn', stream: readable },
      { level: level === 'silent' ? 'fatal' : (level as 'info'), stream: destination({ dest: logFile, append: true, sync: true }) },
    ]),
  )
  const squidLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
  setRootSink((record) => {
    const { level: squidLevel, msg, ...rest } = record as { level: number; msg?: string }
    logger[squidLevels[squidLevel] ?? 'info'](rest, msg ?? '')
  })
  return { logger, logFile }
}

export interface StatusSnapshot {
  head: number | null
  indexed: number | null
  lag: number | null
  inferences: number
  epochsClosed: number
}

/** Asks the API (its public GraphQL) for the heights and counts; undefined while it does not answer. */
export async function fetchStatus(graphqlUrl: string): Promise<StatusSnapshot | undefined> {
  try {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ _meta { headHeight indexedHeight lag } inferences(first: 1) { totalCount } epochs(first: 1, where: { status: { eq: CLOSED } }) { totalCount } }',
      }),
      signal: AbortSignal.timeout(2_000),
    })
    const body = (await response.json()) as { data?: { _meta: { headHeight: number | null; indexedHeight: number | null; lag: number | null }; inferences: { totalCount: number }; epochs: { totalCount: number } } }
    if (!body.data) return undefined
    const { _meta: meta, inferences, epochs } = body.data
    return { head: meta.headHeight, indexed: meta.indexedHeight, lag: meta.lag, inferences: inferences.totalCount, epochsClosed: epochs.totalCount }
  } catch {
    return undefined
  }
}

/** Log records the projector consumed so far (all topics). */
async function projectedRecords(): Promise<number> {
  const { values } = await metrics.projectedRecords.get()
  return values.reduce((sum, v) => sum + v.value, 0)
}

const RATE_WINDOW_MS = 10_000

/** Redraws the board every second: where to look, how far the index is, how fast events are applied. */
export function startStatus(options: { board: StatusBoard; graphqlUrl: string; header: string[]; footer: string[]; intervalMs?: number }) {
  const { board } = options
  // Events per second over the last RATE_WINDOW_MS: the projector applies in batches, a second alone is jumpy.
  let samples: { at: number; records: number }[] = []
  let known: StatusSnapshot | undefined
  const draw = async () => {
    const [status, records] = await Promise.all([fetchStatus(options.graphqlUrl), projectedRecords()])
    const now = Date.now()
    samples = [...samples.filter((s) => now - s.at <= RATE_WINDOW_MS), { at: now, records }]
    const rate = ((records - samples[0].records) * 1000) / Math.max(1_000, now - samples[0].at)
    known = status ?? known
    const progress = known
      ? `  head ${known.head ?? '—'} · indexed ${known.indexed ?? '—'} · lag ${known.lag ?? '—'} · ${rate.toFixed(1)} events/s · ${known.inferences} inferences · ${known.epochsClosed} epochs closed${status ? '' : ' (the API is slow to answer)'}`
      : '  starting: the API does not answer yet'
    board.update([...options.header, progress, ...options.footer])
  }
  void draw()
  const timer = setInterval(() => void draw(), options.intervalMs ?? 1_000)
  return {
    stop() {
      clearInterval(timer)
      board.close()
    },
  }
}
