import { describe, expect, it } from 'vitest'
import { EMPTY_WORKLOAD_STATE, parseWorkloadState, serializeWorkloadState, type WorkloadState } from '../../src/dev/workload-state.js'

describe('the dev workload state on disk', () => {
  it('reads back exactly what it wrote, ids and amounts as bigints', () => {
    const state: WorkloadState = {
      ...EMPTY_WORKLOAD_STATE,
      datanets: [{ id: 1n, owner: 0 }],
      contributions: [{ id: 7n, datanetId: 1n, stake: 10n ** 30n, status: 'accepted', slashed: true }],
      models: [{ id: 2n, owner: 1, baseModelId: 0n, datanetIds: [1n], feeSplitSet: false }],
      nodes: [{ node: 3, operator: 2, active: true }],
      stakes: [{ id: 4n, recipient: 1, status: 'unstakeRequested' }],
      settledInferences: 12,
    }
    const read = parseWorkloadState(serializeWorkloadState(state))
    expect(read).toEqual(state)
    expect(typeof read.contributions[0]!.stake).toBe('bigint')
    expect(typeof read.nodes[0]!.node).toBe('number')
  })
})
