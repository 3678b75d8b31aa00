import type { ChainEvent } from '../domain/chain-events.js'

/**
 * The chain's complete height as a batch goes: an event of block n completes every block below n, finality
 * completes the final blocks, and a fork takes the orphaned blocks back.
 */
export class BlockProgress {
  changed = false
  constructor(public completeHeight: number) {}

  see(event: ChainEvent) {
    const before = this.completeHeight
    if (event.type === 'BlocksFinalized') this.completeHeight = Math.max(before, event.payload.head.number)
    else if (event.type === 'BlocksOrphaned') this.completeHeight = Math.min(before, ...event.payload.blocks.map((b) => b.number - 1))
    else if (event.block) this.completeHeight = Math.max(before, event.block.number - 1)
    this.changed ||= this.completeHeight !== before
  }
}
