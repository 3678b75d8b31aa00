import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { Rewind, type PartitionBatch } from '../../src/log/log.js'
import { ApplyAhead } from '../../src/project/apply-ahead.js'

const logger = createLogger('silent', 'apply-ahead-test')

function batch(first: number, count = 3): PartitionBatch {
  const records = Array.from({ length: count }, (_, k) => ({
    topic: 't',
    partition: 0,
    offset: BigInt(first + k),
    key: null,
    value: null,
    headers: {},
  }))
  return { topic: 't', partition: 0, records }
}

/** A promise the test settles itself. */
function gate() {
  let open!: () => void
  let fail!: (err: unknown) => void
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return { promise, open, fail }
}

describe('applying a batch while the next is delivered', () => {
  it('Given a batch being written, then the next is decoded meanwhile but applied only after it, in order', async () => {
    const seen: string[] = []
    const gates = [gate(), gate()]
    const ahead = new ApplyAhead(
      { seek: () => seen.push('seek') },
      logger,
      (b) => {
        seen.push(`decode ${b.records[0].offset}`)
        return b.records[0].offset
      },
      async (_b, first) => {
        seen.push(`apply ${first}`)
        await gates[Number(first) / 3].promise
        seen.push(`applied ${first}`)
      },
    )
    await ahead.handle(batch(0)) // returns with batch 0 in flight
    const second = ahead.handle(batch(3))
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['decode 0', 'apply 0', 'decode 3'])
    gates[0].open()
    await second
    expect(seen).toEqual(['decode 0', 'apply 0', 'decode 3', 'applied 0', 'apply 3'])
    gates[1].open()
    await ahead.close()
    expect(seen.at(-1)).toBe('applied 3')
  })

  it('Given a batch whose application fails after its handler returned, then its partition is read again from its first offset', async () => {
    const seeks: [string, number, bigint][] = []
    const ahead = new ApplyAhead(
      { seek: (topic, partition, offset) => seeks.push([topic, partition, offset]) },
      logger,
      () => undefined,
      async () => {
        throw new Error('no such column')
      },
    )
    await ahead.handle(batch(6))
    expect(seeks).toEqual([])
    await ahead.close() // wakes the pause before reading again: closed, so it does not seek
    expect(seeks).toEqual([])

    const retried = new ApplyAhead(
      { seek: (topic, partition, offset) => seeks.push([topic, partition, offset]) },
      logger,
      () => undefined,
      async () => {
        throw new Error('no such column')
      },
    )
    await retried.handle(batch(6))
    // The next handler waits for the failed batch's pause (the first is 250 ms), then the seek has happened.
    await retried.handle(batch(9))
    expect(seeks[0]).toEqual(['t', 0, 6n])
    await retried.close()
  })

  it('Given a batch that finds the store behind it (Rewind), then the partition is read again from the stored offset at once', async () => {
    const seeks: bigint[] = []
    let calls = 0
    const ahead = new ApplyAhead(
      { seek: (_t, _p, offset) => seeks.push(offset) },
      logger,
      () => undefined,
      async (b) => {
        calls++
        if (calls === 1) throw new Rewind(b.topic, b.partition, 2n)
      },
    )
    await ahead.handle(batch(5))
    await ahead.handle(batch(2))
    expect(seeks).toEqual([2n])
    await ahead.close()
    expect(calls).toBe(2)
  })
})
