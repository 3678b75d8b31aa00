// Ctrl-C on `npm start` at any moment: SIGINT to the whole process group (so anvil dies at once, under whatever
// is in flight) must end everything within 5 s: starting, as the API comes up, and with workload transactions
// and projector batches in flight. The same data folder is reused each time, so each start resumes the last.
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { killGroup, startDevProcess, type DevProcess } from '../support/dev-process.js'
import { gql } from '../support/graphql.js'
import { eventually } from '../support/processes.js'

const SEED = 5
const STOP_WITHIN_MS = 5_000

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function inferences(dev: DevProcess): Promise<number | undefined> {
  try {
    return (await gql<{ inferences: { totalCount: number } }>(dev.graphqlUrl, '{ inferences(first: 1) { totalCount } }')).inferences.totalCount
  } catch {
    return undefined
  }
}

/** Presses Ctrl-C and checks the whole group is gone and its ports are free within the limit. */
async function interruptAndCheck(dev: DevProcess) {
  const pressed = Date.now()
  dev.interrupt()
  const exit = await Promise.race([dev.exited, new Promise<undefined>((r) => setTimeout(r, STOP_WITHIN_MS + 1_000))])
  expect(exit, `exited within ${STOP_WITHIN_MS} ms\n${dev.output().slice(-3000)}`).toBeDefined()
  expect(exit!.at - pressed).toBeLessThanOrEqual(STOP_WITHIN_MS)
  await eventually(async () => (!dev.groupAlive() ? true : undefined), Math.max(250, pressed + STOP_WITHIN_MS - Date.now()), 'every process of the group to end')
  expect(await canListen(dev.ports.gql)).toBe(true)
  expect(await canListen(dev.ports.usage)).toBe(true)
  console.log(`stopped in ${exit!.at - pressed} ms (code ${exit!.code}, signal ${exit!.signal})`)
}

describe('Ctrl-C on npm start', () => {
  let dataDir: string
  let dev: DevProcess | undefined
  const folder = () => path.join(dataDir, 'data')

  afterAll(async () => {
    killGroup(dev)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('stops within 5 s while starting, as the API comes up, and with the workload running', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'attrib-shutdown-'))
    console.log(`shutdown test: seed ${SEED}`)

    // 1. While starting: the data folder is locked, the embedded database is opening.
    dev = await startDevProcess(folder(), { seed: SEED })
    await eventually(async () => (existsSync(path.join(folder(), 'pglite', '.lock')) ? true : undefined), 60_000, 'the data folder locked')
    await interruptAndCheck(dev)

    // 2. As soon as the API answers: the projector, usage ingester, workload and chain ingester are starting.
    dev = await startDevProcess(folder(), { seed: SEED })
    await eventually(async () => (await fetch(`${dev!.baseUrl}/healthz/live`).then((r) => r.ok).catch(() => false)) || undefined, 240_000, 'the API')
    await interruptAndCheck(dev)

    // 3. With the workload running: inferences keep settling, so transactions and batches are in flight.
    dev = await startDevProcess(folder(), { seed: SEED })
    const before = await eventually(() => inferences(dev!), 240_000, 'the API with data')
    await eventually(async () => ((await inferences(dev!)) ?? 0) >= before + 2 || undefined, 120_000, 'two more inferences')
    await interruptAndCheck(dev)
  }, 900_000)
})
