import type { EntityManager } from 'typeorm'
import type { ChainEvent } from '../domain/chain-events.js'
import { onAgentRegistered, onInferenceNodeRegistered, onInferenceNodeRevoked } from './projections/agents-nodes.js'
import { onBlocksFinalized, onBlocksOrphaned } from './projections/chain-control.js'
import {
  onContributionReviewed,
  onContributionSlashed,
  onContributionSubmitted,
  onDatanetCreated,
} from './projections/datanets.js'
import { onFeeSplitSet, onModelRegistered } from './projections/models.js'
import { onRewardClaimed, onRewardRootPublished } from './projections/epochs.js'
import { settleInferences, type ProjectionSettings, type RefusedUsage } from './projections/settlements.js'
import { RejectedEvent } from './rejection.js'
import { onStakeEnding, onStaked, onToppedUp } from './projections/staking.js'

export type { ProjectionSettings, RefusedUsage }

/**
 * Applies one validated chain event to the projection, inside the projector's transaction. The switch is
 * exhaustive: a new event type does not compile until it is routed here.
 */
export async function applyChainEvent(
  em: EntityManager,
  settings: ProjectionSettings,
  event: ChainEvent,
): Promise<RefusedUsage | void> {
  switch (event.type) {
    case 'DatanetCreated':
      return onDatanetCreated(em, event)
    case 'ContributionSubmitted':
      return onContributionSubmitted(em, event)
    case 'ContributionReviewed':
      return onContributionReviewed(em, event)
    case 'ContributionSlashed':
      return onContributionSlashed(em, event)
    case 'ModelRegistered':
      return onModelRegistered(em, event)
    case 'FeeSplitSet':
      return onFeeSplitSet(em, event)
    case 'AgentRegistered':
      return onAgentRegistered(em, event)
    case 'InferenceNodeRegistered':
      return onInferenceNodeRegistered(em, event)
    case 'InferenceNodeRevoked':
      return onInferenceNodeRevoked(em, event)
    case 'Staked':
      return onStaked(em, event)
    case 'ToppedUp':
      return onToppedUp(em, event)
    case 'RequestUnstake':
    case 'Unstaked':
      return onStakeEnding(em, event)
    case 'BlocksOrphaned':
      return onBlocksOrphaned(em, event)
    case 'BlocksFinalized':
      // Epochs close in their own step (epoch-closer.ts), once the usage records sent before are applied.
      return onBlocksFinalized(em, event)
    case 'InferenceSettled': {
      // The projector applies runs of settlements set-wise; alone (a fork boundary, isolating a bad event) here.
      const [outcome] = await settleInferences(em, settings, [event])
      if (outcome.rejected) throw new RejectedEvent(outcome.rejected.reason, outcome.rejected.detail)
      return outcome.refusedUsage
    }
    case 'RewardRootPublished':
      return onRewardRootPublished(em, settings.epochBlocks, event)
    case 'RewardClaimed':
      return onRewardClaimed(em, event)
    default: {
      const unhandled: never = event
      throw new Error(`no projection for ${(unhandled as ChainEvent).type}`)
    }
  }
}
