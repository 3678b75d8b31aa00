import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../lib/cli.js', import.meta.url))

export interface CliProcess {
  child: ChildProcess
  /** Everything the process wrote to stderr (its logs), for failure messages. */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Runs `attrib <command>` from the build (lib/), as a user or a supervisor would, with the given env. */
export function startCli(command: string, env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, command], {
    cwd: path.dirname(path.dirname(CLI)),
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode != null || child.signalCode != null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * Polls until `probe` returns a value (not undefined), or fails with the last error after `timeoutMs`; a probe
 * that never settles fails it at the deadline too.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined
    const pastDeadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the last probe did not settle')), Math.max(0, deadline - Date.now()))
    })
    try {
      const value = await Promise.race([probe(), pastDeadline])
      if (value !== undefined) return value
    } catch (err) {
      lastError = err
    } finally {
      clearTimeout(timer)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
}
