import type { EntityManager } from 'typeorm'
import type { ChainEvent } from '../domain/chain-events.js'
import { onContributionReviewed, onContributionSubmitted, onDatanetCreated } from './projections/registry.js'

/**
 * Applies one validated chain event to the projection, inside the projector's transaction.
 * Event types without a projection yet are recorded as applied and otherwise ignored on purpose:
 * the log keeps them, and `replay` will project them once their projection exists.
 */
export async function applyChainEvent(em: EntityManager, event: ChainEvent): Promise<void> {
  switch (event.type) {
    case 'DatanetCreated':
      return onDatanetCreated(em, event)
    case 'ContributionSubmitted':
      return onContributionSubmitted(em, event)
    case 'ContributionReviewed':
      return onContributionReviewed(em, event)
    case 'ContributionSlashed':
    case 'ModelRegistered':
    case 'FeeSplitSet':
    case 'AgentRegistered':
    case 'InferenceNodeRegistered':
    case 'InferenceNodeRevoked':
    case 'InferenceSettled':
    case 'RewardRootPublished':
    case 'RewardClaimed':
    case 'Staked':
    case 'ToppedUp':
    case 'RequestUnstake':
    case 'Unstaked':
    case 'BlocksOrphaned':
    case 'BlocksFinalized':
      return
    default: {
      const unhandled: never = event
      throw new Error(`no projection for ${(unhandled as ChainEvent).type}`)
    }
  }
}
