import { connectionOf as list, connectionTypeDefs } from './common.graphql.js'

/** The registry side of the attribution graph: who contributed what data, and which models use it. */
export const graphTypeDefs = /* GraphQL */ `
  "An address (lower-case hex) that contributes data, owns datanets, models or agents, runs inference nodes, stakes or is paid."
  type Contributor {
    id: ID!
    "Block of its first appearance in any protocol event."
    firstSeenBlock: Int!
    datanets${list('Datanet')}
    contributions${list('Contribution')}
    models${list('Model')}
    agents${list('Agent')}
    inferenceNodes${list('InferenceNode')}
    stakes${list('Stake')}
    "What its contributions earned, one edge per (inference, contribution)."
    attributions${list('AttributionEdge')}
    "What its contributions earned per epoch."
    earnings${list('ContributorEpochStat')}
    "Its payout per closed epoch (as model owner, staker and contributor), with the Merkle proof to claim it."
    payouts${list('EpochPayout')}
    "Its payout for one epoch, or null if it is paid nothing then (or the epoch is open)."
    payout(epoch: Int!): EpochPayout @cost(weight: 1)
    "Wei its contributions earned by attribution, all epochs (closed or not)."
    earned: BigInt! @cost(weight: 1)
  }

  input ContributorFilter {
    id: AddressFilter
    firstSeenBlock: IntFilter
  }

  "A curated dataset that receives contributions."
  type Datanet {
    "The on-chain datanetId, as a decimal string."
    id: ID!
    owner: Contributor!
    metadataURI: String!
    createdAtBlock: Int!
    createdAt: DateTime!
    txHash: String!
    contributions${list('Contribution')}
    "Models (and adapters) trained on it."
    models${list('Model')}
    "What its contributions earned, one edge per (inference, contribution)."
    attributions${list('AttributionEdge')}
    "What its contributions earned per epoch."
    stats${list('DatanetEpochStat')}
    "Wei its contributions earned by attribution, all epochs."
    earned: BigInt! @cost(weight: 1)
  }

  input DatanetFilter {
    id: IDFilter
    owner: AddressFilter
    createdAtBlock: IntFilter
    createdAt: DateTimeFilter
  }

  enum ContributionStatus {
    PENDING
    ACCEPTED
    REJECTED
  }

  input ContributionStatusFilter {
    eq: ContributionStatus
    in: [ContributionStatus!]
  }

  "One piece of data submitted to a datanet. Only accepted, unslashed contributions earn."
  type Contribution {
    id: ID!
    datanet: Datanet!
    contributor: Contributor!
    contentHash: String!
    "Stake sent with the submission, in wei."
    stake: BigInt!
    status: ContributionStatus!
    "Sum of all slashes, in wei."
    slashedAmount: BigInt!
    "Block of the first slash: attribution at an earlier block still pays."
    slashedAtBlock: Int
    reviewedAtBlock: Int
    submittedAtBlock: Int!
    submittedAt: DateTime!
    txHash: String!
    "Its status history, oldest first."
    history${list('ContributionEvent')}
    "The inferences it was attributed to and what each paid it."
    attributions${list('AttributionEdge')}
    "Wei it earned by attribution, all epochs."
    earned: BigInt! @cost(weight: 1)
  }

  input ContributionFilter {
    id: IDFilter
    datanet: IDFilter
    contributor: AddressFilter
    status: ContributionStatusFilter
    stake: BigIntFilter
    contentHash: HashFilter
    submittedAtBlock: IntFilter
    submittedAt: DateTimeFilter
    "Whether it was ever slashed."
    slashed: Boolean
  }

  enum ContributionEventKind {
    SUBMITTED
    ACCEPTED
    REJECTED
    SLASHED
  }

  input ContributionEventKindFilter {
    eq: ContributionEventKind
    in: [ContributionEventKind!]
  }

  "One step of a contribution's status history."
  type ContributionEvent {
    "The chain event id."
    id: ID!
    contribution: Contribution!
    kind: ContributionEventKind!
    "The reviewer of a review, the contributor of a submission."
    actor: String
    "The slashed amount of a slash, in wei."
    amount: BigInt
    reason: String
    blockNumber: Int!
    logIndex: Int!
    at: DateTime!
    txHash: String!
  }

  input ContributionEventFilter {
    contribution: IDFilter
    kind: ContributionEventKindFilter
    blockNumber: IntFilter
  }

  "A base model, or a LoRA adapter of a base model."
  type Model {
    id: ID!
    owner: Contributor!
    "For an adapter: its base model; null for a base model."
    baseModel: Model
    isAdapter: Boolean!
    metadataURI: String!
    registeredAtBlock: Int!
    registeredAt: DateTime!
    txHash: String!
    "The latest fee split in basis points; null until one is set (the configured default applies)."
    modelBps: Int
    stakersBps: Int
    dataBps: Int
    "The datanets it was trained on (an adapter's own; its base model's are on baseModel)."
    datanets${list('Datanet')}
    adapters${list('Model')}
    "Every FeeSplitSet, oldest first."
    feeSplits${list('FeeSplitChange')}
    inferences${list('Inference')}
    "Its fees and inferences per epoch."
    stats${list('ModelEpochStat')}
  }

  input ModelFilter {
    id: IDFilter
    owner: AddressFilter
    baseModel: IDFilter
    isAdapter: Boolean
    registeredAtBlock: IntFilter
  }

  "A FeeSplitSet: a settlement uses the split in force at its log."
  type FeeSplitChange {
    id: ID!
    model: Model!
    modelBps: Int!
    stakersBps: Int!
    dataBps: Int!
    blockNumber: Int!
    logIndex: Int!
  }

  input FeeSplitChangeFilter {
    blockNumber: IntFilter
  }

  "An on-chain identity that calls models on behalf of users."
  type Agent {
    id: ID!
    owner: Contributor!
    metadataURI: String!
    registeredAtBlock: Int!
    registeredAt: DateTime!
    txHash: String!
    inferences${list('Inference')}
    "Its spend per epoch."
    stats${list('AgentEpochStat')}
  }

  input AgentFilter {
    id: IDFilter
    owner: AddressFilter
  }

  "A registered signer of usage records."
  type InferenceNode {
    "The node's address."
    id: ID!
    operator: Contributor!
    registeredAtBlock: Int!
    registeredAt: DateTime!
    revokedAtBlock: Int
    revokedAt: DateTime
    "Inferences whose usage record it signed."
    inferences${list('Inference')}
  }

  input InferenceNodeFilter {
    id: AddressFilter
    operator: AddressFilter
    revoked: Boolean
  }

  enum StakeStatus {
    ACTIVE
    UNSTAKE_REQUESTED
    UNSTAKED
  }

  input StakeStatusFilter {
    eq: StakeStatus
    in: [StakeStatus!]
  }

  "A stake in OpenLedger's Staking contract; stakers share the stakers' part of the fees."
  type Stake {
    "The stakingId."
    id: ID!
    recipient: Contributor!
    "The Staked amount, in wei."
    amount: BigInt!
    "Staked plus topped up, in wei."
    principal: BigInt!
    status: StakeStatus!
    stakedAtBlock: Int!
    "Block of the RequestUnstake or Unstaked that ended it; it earns until then."
    endedAtBlock: Int
    topUps${list('StakeTopUp')}
  }

  input StakeFilter {
    recipient: AddressFilter
    status: StakeStatusFilter
    principal: BigIntFilter
  }

  "A ToppedUp: it adds to the stake's principal from its block on."
  type StakeTopUp {
    id: ID!
    stake: Stake!
    amount: BigInt!
    blockNumber: Int!
  }

  ${connectionTypeDefs('Contributor')}
  ${connectionTypeDefs('Datanet')}
  ${connectionTypeDefs('Contribution')}
  ${connectionTypeDefs('ContributionEvent')}
  ${connectionTypeDefs('Model')}
  ${connectionTypeDefs('FeeSplitChange')}
  ${connectionTypeDefs('Agent')}
  ${connectionTypeDefs('InferenceNode')}
  ${connectionTypeDefs('Stake')}
  ${connectionTypeDefs('StakeTopUp')}
`
