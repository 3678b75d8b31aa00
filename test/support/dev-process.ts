// `attrib dev` (what `npm start` runs) as a user starts it, in its own process group so a test can press Ctrl-C
// the way a terminal does: SIGINT to the whole group, anvil included.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from './net.js'

const CLI = fileURLToPath(new URL('../../lib/cli.js', import.meta.url))

export interface DevProcess {
  child: ChildProcess
  graphqlUrl: string
  baseUrl: string
  ports: { gql: number; usage: number }
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  /** Ctrl-C: SIGINT to every process of the group. */
  interrupt(): void
  /** Whether any process of the group still runs. */
  groupAlive(): boolean
}

export async function startDevProcess(dataDir: string, options: { seed: number; env?: Record<string, string> }): Promise<DevProcess> {
  const ports = { gql: await freePort(), usage: await freePort() }
  // METRICS_PORT 0: several dev processes run side by side in the tests, and a taken metrics port stops a start
  const env: NodeJS.ProcessEnv = { ...process.env, GQL_PORT: String(ports.gql), USAGE_PORT: String(ports.usage), METRICS_PORT: '0', LOG_FORMAT: 'json', ...options.env }
  for (const name of ['DB_URL', 'KAFKA_BROKERS', 'RPC_ENDPOINT']) delete env[name]
  const child = spawn(process.execPath, [CLI, 'dev', '--data-dir', dataDir, '--seed', String(options.seed)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout!.on('data', (d) => (output = (output + d).slice(-200_000)))
  child.stderr!.on('data', (d) => (output = (output + d).slice(-200_000)))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  )
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0)
      return true
    } catch {
      return false
    }
  }
  return {
    child,
    ports,
    baseUrl: `http://127.0.0.1:${ports.gql}`,
    graphqlUrl: `http://127.0.0.1:${ports.gql}/graphql`,
    output: () => output,
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    groupAlive,
  }
}

/** Ends whatever is left of the group (after a failed test). */
export function killGroup(dev: DevProcess | undefined) {
  if (!dev?.groupAlive()) return
  try {
    process.kill(-dev.child.pid!, 'SIGKILL')
  } catch {
    // gone meanwhile
  }
}
