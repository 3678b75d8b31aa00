/**
 * The verification budget of `POST /usage`: how many records may be in verification at once, per client and
 * over all clients. A request that would take a client, or everyone, past its budget is not queued but answered
 * 429 with Retry-After, so a flood from some clients cannot use up the CPU that others' records need: a client
 * has at most `perClient` records being worked on, and clients together at most `total`. A client is its source
 * address, or the node its own bearer token authenticates. A request larger than a budget still passes when
 * nothing else is in it (else it could never pass); the body limit bounds it.
 */
export type BudgetScope = 'client' | 'overall'

export interface Admission {
  /** The budget `records` more records of `client` would overrun, without admitting them. */
  check(client: string, records: number): BudgetScope | undefined
  /** Admits `records` records of `client`: a release function, or the budget that is spent. */
  admit(client: string, records: number): { release(): void } | { refused: BudgetScope }
  inFlight(): number
}

export function createAdmission(limits: { total: number; perClient: number }): Admission {
  let total = 0
  const byClient = new Map<string, number>()
  const fits = (used: number, records: number, limit: number) => used === 0 || used + records <= limit
  const check = (client: string, records: number): BudgetScope | undefined => {
    if (!fits(byClient.get(client) ?? 0, records, limits.perClient)) return 'client'
    if (!fits(total, records, limits.total)) return 'overall'
    return undefined
  }
  return {
    check,
    admit(client, records) {
      const refused = check(client, records)
      if (refused) return { refused }
      const used = byClient.get(client) ?? 0
      byClient.set(client, used + records)
      total += records
      let released = false
      return {
        release() {
          if (released) return
          released = true
          total -= records
          const left = (byClient.get(client) ?? records) - records
          if (left > 0) byClient.set(client, left)
          else byClient.delete(client)
        },
      }
    },
    inFlight: () => total,
  }
}
