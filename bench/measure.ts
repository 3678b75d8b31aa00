import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const CLI = fileURLToPath(new URL('../../../lib/cli.js', import.meta.url))
const SAMPLE_MS = 200

/**
 * Node flags that write a --cpu-prof profile of an `attrib` command into `dir` when it is stopped: the commands
 * the bench profiles have no SIGTERM handler, and node writes a profile only when the process exits by itself.
 */
export function cpuProfileArgs(dir: string): string[] {
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--import', new URL('./exit-on-sigterm.js', import.meta.url).href]
}

/** `attrib <args>` from the build (lib/), with the given environment; stderr (its JSON logs) kept for errors. */
export function startAttrib(args: string[], env: Record<string, string>, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode == null && child.signalCode == null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Samples a process's resident set size (Linux /proc) until stopped; `peak()` in bytes. */
export function sampleRss(child: ChildProcess) {
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running && child.exitCode == null) {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      peak = Math.max(peak, kb * 1024)
      await sleep(SAMPLE_MS)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return peak
    },
  }
}

/**
 * Polls the projection until the group has applied every record up to the topics' end offsets and closed
 * every epoch that the finalized height makes due; returns when that was seen (ms since the epoch, to SAMPLE_MS).
 */
export async function waitUntilDrained(options: {
  dbUrl: string
  group: string
  ends: Map<string, bigint>
  isAlive: () => boolean
  diagnostics: () => string
}): Promise<number> {
  const client = new pg.Client({ connectionString: options.dbUrl })
  await client.connect()
  try {
    for (;;) {
      if (!options.isAlive()) throw new Error(`the projector exited before draining the backlog:\n${options.diagnostics()}`)
      const offsets = await client.query<{ topic: string; partition: number; next: string }>(
        'SELECT topic, partition, next_offset AS next FROM consumer_offset WHERE group_id = $1',
        [options.group],
      )
      const applied = new Map(offsets.rows.map((r) => [`${r.topic}/${r.partition}`, BigInt(r.next)]))
      const caughtUp = [...options.ends].every(([key, end]) => (applied.get(key) ?? 0n) >= end)
      if (caughtUp && (await dueEpochs(client)) === 0) return Date.now()
      await sleep(SAMPLE_MS)
    }
  } finally {
    await client.end()
  }
}

async function dueEpochs(client: pg.Client): Promise<number> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM epoch WHERE status = 'OPEN'
       AND last_block <= coalesce((SELECT max(finalized_height) FROM chain_state), -1)`,
  )
  return rows[0].n
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
