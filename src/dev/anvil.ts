// A local anvil chain (the binary of the @foundry-rs/anvil npm package): chain id 31337, the default mnemonic's
// funded accounts. Used by `attrib dev` and by the tests.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

export interface RunningAnvil {
  url: string
  stop(): Promise<void>
}

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000

export async function startAnvil(url: string, extraArgs: string[] = []): Promise<RunningAnvil> {
  const { hostname, port } = new URL(url)
  if ((hostname !== '127.0.0.1' && hostname !== 'localhost') || !port) {
    throw new Error(`nothing answers eth_chainId at ${url}; anvil can only be started at 127.0.0.1 with an explicit port`)
  }
  // Run the platform binary itself rather than the package's node wrapper (node_modules/.bin/anvil),
  // so the signals of stop() reach anvil and a SIGKILL cannot orphan it.
  const child = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', port, '--quiet', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000)
  })
  let exited: string | undefined
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`
      resolve()
    })
    child.once('error', (error) => {
      exited = `could not run: ${error.message}`
      resolve()
    })
  })
  // Safety net if the test process exits without calling stop().
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', killOnExit)
    if (exited !== undefined) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exit
    clearTimeout(timer)
  }

  const deadline = Date.now() + START_TIMEOUT_MS
  while (!(await answersChainId(url))) {
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited ? `anvil ${exited}` : `anvil not answering after ${START_TIMEOUT_MS / 1000} s`
      await stop()
      throw new Error(`anvil did not start at ${url}: ${why}\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, stop }
}

export async function answersChainId(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    })
    const body = (await response.json()) as { result?: unknown }
    return typeof body.result === 'string'
  } catch {
    return false
  }
}

/** The binary that `npx anvil` runs: bin/anvil of the platform package, e.g. @foundry-rs/anvil-linux-amd64. */
function anvilBinary(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }
  const name = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  const specifier = `@foundry-rs/anvil-${process.platform}-${arch[process.arch]}/bin/${name}`
  try {
    return createRequire(import.meta.url).resolve(specifier)
  } catch (error) {
    throw new Error(`anvil binary not found (${specifier}): is @foundry-rs/anvil installed for this platform?`, {
      cause: error,
    })
  }
}
