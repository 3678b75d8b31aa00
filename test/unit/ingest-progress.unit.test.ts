import { describe, expect, it } from 'vitest'
import { formatDuration, formatProgressLine } from '../../src/ingest/chain/progress.js'

describe('the ingester progress line', () => {
  it('Given a catching-up ingester, then the line shows blocks done of the head, both speeds and the ETA', () => {
    const line = formatProgressLine({ chainId: 1612, height: 1_204_000, head: 1_250_000, blocksPerSecond: 812.4, eventsPerSecond: 35.24, etaSeconds: 56.6 })
    expect(line).toBe('chain 1612: block 1,204,000 / 1,250,000 (96.3%) · 812 blocks/s · 35.2 events/s · ETA 57s')
  })

  it('Given an ingester at the head, or one that has not finished a batch yet, then the line says so', () => {
    expect(formatProgressLine({ chainId: 31337, height: 90, head: 90, blocksPerSecond: 0, eventsPerSecond: 0, etaSeconds: 0 })).toMatch(/block 90 \/ 90 \(100\.0%\).*at head$/)
    expect(formatProgressLine({ chainId: 31337, height: -1, blocksPerSecond: 0, eventsPerSecond: 0 })).toBe(
      'chain 31337: block (none yet) · 0.0 blocks/s · 0.0 events/s · ETA ?',
    )
  })

  it('Given long waits, then durations read in minutes and hours', () => {
    expect(formatDuration(59.2)).toBe('1m00s')
    expect(formatDuration(61)).toBe('1m01s')
    expect(formatDuration(2 * 3600 + 5 * 60 + 7)).toBe('2h05m')
  })
})
