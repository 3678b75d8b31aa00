// Timestamps the API reads go from PostgreSQL's text straight to the DateTime scalar's string: it must answer
// exactly what parsing a Date and formatting it again answered. fast-check prints the seed of a failing run
// (replay with `seed`).
import fc from 'fast-check'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DateTimeScalar, instantFromPostgres } from '../../src/api/scalars.js'

const driverParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')
const throughDate = (text: string) => DateTimeScalar.serialize(driverParser(text))
const direct = (text: string) => DateTimeScalar.serialize(instantFromPostgres(text, driverParser))

/** How PostgreSQL prints a timestamptz in a UTC session: no fraction when it is zero, no trailing zeros. */
function postgresText(epochMs: number, extraMicros: number): string {
  const iso = new Date(epochMs).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  const micros = String((epochMs % 1000 + 1000) % 1000 * 1000 + extraMicros).padStart(6, '0').replace(/0+$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${micros ? `.${micros}` : ''}+00`
}

describe('timestamps from PostgreSQL to the DateTime scalar', () => {
  it('answers what the Date round trip answered, for any instant from year 1 to 9999 and any microsecond', () => {
    const instant = fc.integer({ min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') })
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 999 }), (epochMs, extraMicros) => {
        const text = postgresText(epochMs, extraMicros)
        expect(direct(text)).toBe(throughDate(text))
      }),
      { numRuns: 2_000 },
    )
  })

  it('cuts the fraction to milliseconds, as a Date does', () => {
    expect(direct('2026-12-07 22:48:21.415999+00')).toBe('2026-12-07T22:48:21.415Z')
    expect(direct('2026-12-07 22:48:21.4+00')).toBe('2026-12-07T22:48:21.400Z')
    expect(direct('2026-12-07 22:48:21+00')).toBe('2026-12-07T22:48:21.000Z')
  })

  it('leaves every other form to the driver', () => {
    for (const text of ['2026-12-07 23:48:21.415+01', '2026-12-07 22:48:21.415+05:30', '0044-03-15 12:00:00+00 BC', '12026-01-01 00:00:00+00']) {
      expect([text, direct(text)]).toEqual([text, throughDate(text)])
    }
    expect(instantFromPostgres('infinity', driverParser)).toBe(driverParser('infinity'))
  })

  it('passes its own strings through and still parses any other string', () => {
    expect(DateTimeScalar.serialize('2026-12-07T22:48:21.415Z')).toBe('2026-12-07T22:48:21.415Z')
    expect(DateTimeScalar.serialize('2026-12-07T23:48:21+01:00')).toBe('2026-12-07T22:48:21.000Z')
    expect(() => DateTimeScalar.serialize('not a time')).toThrow(/DateTime cannot represent/)
  })
})
