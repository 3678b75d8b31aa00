import type { EntityName } from './entities/index.js'

/** To-many fields: the child entity and the parent relation in its spec (entities/). */
export const CHILDREN: Partial<Record<EntityName, Record<string, [EntityName, string]>>> = {
  Contributor: {
    datanets: ['Datanet', 'owner'],
    contributions: ['Contribution', 'contributor'],
    models: ['Model', 'owner'],
    agents: ['Agent', 'owner'],
    inferenceNodes: ['InferenceNode', 'operator'],
    stakes: ['Stake', 'recipient'],
    attributions: ['AttributionEdge', 'contributor'],
    earnings: ['ContributorEpochStat', 'contributor'],
    payouts: ['EpochPayout', 'account'],
  },
  Datanet: {
    contributions: ['Contribution', 'datanet'],
    models: ['Model', 'datanet'],
    attributions: ['AttributionEdge', 'datanet'],
    stats: ['DatanetEpochStat', 'datanet'],
  },
  Contribution: { history: ['ContributionEvent', 'contribution'], attributions: ['AttributionEdge', 'contribution'] },
  Model: {
    datanets: ['Datanet', 'model'],
    adapters: ['Model', 'baseModel'],
    feeSplits: ['FeeSplitChange', 'model'],
    inferences: ['Inference', 'model'],
    stats: ['ModelEpochStat', 'model'],
  },
  Agent: { inferences: ['Inference', 'agent'], stats: ['AgentEpochStat', 'agent'] },
  InferenceNode: { inferences: ['Inference', 'node'] },
  Stake: { topUps: ['StakeTopUp', 'stake'] },
  Inference: { attributions: ['AttributionEdge', 'inference'] },
  Epoch: {
    settlements: ['Inference', 'epoch'],
    payouts: ['EpochPayout', 'epoch'],
    contributorStats: ['ContributorEpochStat', 'epoch'],
    datanetStats: ['DatanetEpochStat', 'epoch'],
    modelStats: ['ModelEpochStat', 'epoch'],
    agentStats: ['AgentEpochStat', 'epoch'],
  },
}

/** The child entity and its parent relation, when `field` of `type` is a to-many connection. */
export function childConnection(type: EntityName, field: string): [EntityName, string] | undefined {
  return CHILDREN[type]?.[field]
}
