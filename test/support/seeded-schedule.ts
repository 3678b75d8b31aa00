import { onTestFailed } from 'vitest'
import { createRng, type Rng } from '../../src/dev/rng.js'

/**
 * The random generator of a test's kill or pause schedule. Its seed is printed, and again if the test fails, so
 * a failing schedule can be replayed: `TEST_SEED=<seed> npx vitest run <file>`. Call it inside the test.
 */
export function seededSchedule(what: string): Rng {
  const seed = process.env.TEST_SEED !== undefined ? Number(process.env.TEST_SEED) : Math.floor(Math.random() * 2 ** 32)
  console.info(`${what}: schedule seed ${seed}`)
  onTestFailed(() => console.error(`${what} failed with schedule seed ${seed}: replay it with TEST_SEED=${seed}`))
  return createRng(seed)
}
