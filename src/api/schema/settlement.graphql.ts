import { connectionOf as list, connectionTypeDefs } from './common.graphql.js'

/** The money side: settled inferences, where their fees went, and each epoch's payouts. */
export const settlementTypeDefs = /* GraphQL */ `
  enum AttributionMode {
    "The settlement waits for its usage record (until its epoch closes)."
    AWAITING_USAGE
    "The data part went by the usage record's weights."
    USAGE
    "No usage record by the epoch's close, or none of its attributions qualified: equal weights over the model's datanets."
    FALLBACK
    "Nothing to attribute to: the data part went to the model owner."
    OWNER
  }

  input AttributionModeFilter {
    eq: AttributionMode
    in: [AttributionMode!]
  }

  "One paid call of a model: the settlement on chain joined with its usage record. net = modelPart + stakersPart + dataPart."
  type Inference {
    "The inferenceId (bytes32, lower-case hex)."
    id: ID!
    "The model called (an adapter is a model)."
    model: Model!
    "Who was paid the model part (an adapter's own owner)."
    modelOwner: Contributor!
    "The calling agent, if it is registered."
    agent: Agent
    "The agentId of the settlement, as a decimal string (0: none)."
    agentId: String!
    payer: String!
    fee: BigInt!
    platformFee: BigInt!
    "fee - platformFee: what is split."
    net: BigInt!
    modelPart: BigInt!
    stakersPart: BigInt!
    dataPart: BigInt!
    "The fee split applied, in basis points."
    modelBps: Int!
    stakersBps: Int!
    dataBps: Int!
    mode: AttributionMode!
    blockNumber: Int!
    blockHash: String!
    logIndex: Int!
    epoch: Int!
    settledAt: DateTime!
    txHash: String!
    tokensIn: Int
    tokensOut: Int
    "The inference node that signed its usage record."
    node: String
    usageAt: DateTime
    "Its full attribution: which contributions it paid, with weights and amounts (largest first by default)."
    attributions${list('AttributionEdge')}
    "The signed usage record, once received."
    usageRecord: UsageRecord
  }

  input InferenceFilter {
    id: HashFilter
    model: IDFilter
    modelOwner: AddressFilter
    agent: IDFilter
    payer: AddressFilter
    node: AddressFilter
    epoch: IntFilter
    blockNumber: IntFilter
    fee: BigIntFilter
    net: BigIntFilter
    mode: AttributionModeFilter
    settledAt: DateTimeFilter
    txHash: HashFilter
  }

  "What one contribution earned from one inference: amount = the inference's dataPart x weight / sum of its weights (largest remainder)."
  type AttributionEdge {
    "<settlement block number, 10 digits>-<inferenceId>-<contributionId>"
    id: ID!
    inference: Inference!
    contribution: Contribution!
    contributor: Contributor!
    datanet: Datanet!
    "The usage record's weight (1 for the equal-weight fallback)."
    weight: BigInt!
    amount: BigInt!
    epoch: Int!
  }

  input AttributionEdgeFilter {
    inference: HashFilter
    contribution: IDFilter
    contributor: AddressFilter
    datanet: IDFilter
    epoch: IntFilter
    amount: BigIntFilter
  }

  "One attribution as the usage record signed it."
  type UsageAttribution {
    contributionId: ID!
    weight: BigInt!
  }

  "A usage record as received. joined: its settlement is in and the record was joined to it (the inference carries its usageAt)."
  type UsageRecord {
    "The inferenceId."
    id: ID!
    modelId: String!
    agentId: String!
    node: String!
    tokensIn: Int!
    tokensOut: Int!
    timestamp: DateTime!
    attributions: [UsageAttribution!]!
    joined: Boolean!
  }

  input UsageRecordFilter {
    id: HashFilter
    model: IDFilter
    agent: IDFilter
    node: AddressFilter
    joined: Boolean
    timestamp: DateTimeFilter
  }

  enum EpochStatus {
    OPEN
    CLOSED
  }

  input EpochStatusFilter {
    eq: EpochStatus
    in: [EpochStatus!]
  }

  "A window of blocks; at its close every account's payout is fixed and committed as a Merkle root."
  type Epoch {
    "The epoch number, as a string."
    id: ID!
    number: Int!
    firstBlock: Int!
    lastBlock: Int!
    status: EpochStatus!
    "Settled inferences."
    inferences: Int!
    fees: BigInt!
    platformFees: BigInt!
    netFees: BigInt!
    "The stakers' parts of its settlements."
    stakersPool: BigInt!
    "Stakers pool carried in from the previous epoch (nobody was staked then)."
    rolledIn: BigInt!
    "Stakers pool carried out to the next epoch."
    rolledOver: BigInt!
    payoutTotal: BigInt!
    "StandardMerkleTree root over (address, uint256) payouts; null while open or when nothing was paid."
    root: String
    closedAtBlock: Int
    publishedRoot: String
    publishedTotal: BigInt
    "Whether the root published on chain equals the computed one (null until both exist)."
    rootMatches: Boolean
    "Its settlements."
    settlements${list('Inference')}
    "One leaf per paid account, with its proof."
    payouts${list('EpochPayout')}
    contributorStats${list('ContributorEpochStat')}
    datanetStats${list('DatanetEpochStat')}
    modelStats${list('ModelEpochStat')}
    agentStats${list('AgentEpochStat')}
    "Its totals recomputed from the rows, and whether they add up."
    reconciliation: EpochReconciliation! @cost(weight: 300)
  }

  input EpochFilter {
    number: IntFilter
    status: EpochStatusFilter
    rootMatches: Boolean
  }

  """
  An epoch's money recomputed from its settlements, attribution edges and payouts. For every epoch:
  fees - platformFees = netFees = modelParts + stakersParts + dataParts, and dataParts = attributed +
  dataToModelOwners + dataAwaitingUsage. Once closed: payoutsAsContributor = attributed, payoutsAsModelOwner =
  modelParts + dataToModelOwners, payoutsAsStaker + rolledOver = stakersParts + rolledIn, and so
  payoutTotal + rolledOver = netFees + rolledIn.
  """
  type EpochReconciliation {
    inferences: Int!
    fees: BigInt!
    platformFees: BigInt!
    netFees: BigInt!
    modelParts: BigInt!
    stakersParts: BigInt!
    dataParts: BigInt!
    "Data parts paid to contributions (the sum of the attribution edges)."
    attributed: BigInt!
    "Data parts of inferences with nothing to attribute to, paid to the model owner."
    dataToModelOwners: BigInt!
    "Data parts still waiting for a usage record (open epochs only)."
    dataAwaitingUsage: BigInt!
    payoutTotal: BigInt!
    payoutsAsModelOwner: BigInt!
    payoutsAsStaker: BigInt!
    payoutsAsContributor: BigInt!
    rolledIn: BigInt!
    rolledOver: BigInt!
    "Whether the sums stored on the epoch (fees, netFees, stakersPool, payoutTotal) equal the recomputed ones."
    matchesEpoch: Boolean!
    "Whether every identity above holds (those of a closed epoch only once it is closed)."
    balanced: Boolean!
  }

  "What one account is paid for one epoch, with its Merkle proof."
  type EpochPayout {
    "<epoch>-<address>"
    id: ID!
    epoch: Epoch!
    account: Contributor!
    amount: BigInt!
    asModelOwner: BigInt!
    asStaker: BigInt!
    asContributor: BigInt!
    "The leaf's sibling hashes, from the leaf up (StandardMerkleTree, leaf = (address, uint256))."
    proof: [String!]!
    "The epoch's root the proof leads to."
    root: String @cost(weight: 1)
    "Whether the proof verifies the leaf (account, amount) against root."
    verified: Boolean! @cost(weight: 1)
    claimedAmount: BigInt
    claimedAtBlock: Int
  }

  input EpochPayoutFilter {
    epoch: IntFilter
    account: AddressFilter
    amount: BigIntFilter
    claimed: Boolean
  }

  "What a contributor's contributions earned in one epoch."
  type ContributorEpochStat {
    "<epoch>-<address>"
    id: ID!
    contributor: Contributor!
    epoch: Int!
    amount: BigInt!
    "Attribution edges summed."
    attributions: Int!
    "The contributor's payout for the epoch once it is closed (it includes model-owner and staker parts)."
    payout: EpochPayout
  }

  input ContributorEpochStatFilter {
    contributor: AddressFilter
    epoch: IntFilter
  }

  "What a datanet's contributions earned in one epoch."
  type DatanetEpochStat {
    "<epoch>-<datanetId>"
    id: ID!
    datanet: Datanet!
    epoch: Int!
    amount: BigInt!
    attributions: Int!
  }

  input DatanetEpochStatFilter {
    datanet: IDFilter
    epoch: IntFilter
  }

  "A model's fees and inferences in one epoch."
  type ModelEpochStat {
    "<epoch>-<modelId>"
    id: ID!
    model: Model!
    epoch: Int!
    inferences: Int!
    fees: BigInt!
    netFees: BigInt!
    dataPart: BigInt!
  }

  input ModelEpochStatFilter {
    model: IDFilter
    epoch: IntFilter
  }

  "An agent's spend in one epoch."
  type AgentEpochStat {
    "<epoch>-<agentId>"
    id: ID!
    agent: Agent!
    epoch: Int!
    inferences: Int!
    fees: BigInt!
  }

  input AgentEpochStatFilter {
    agent: IDFilter
    epoch: IntFilter
  }

  ${connectionTypeDefs('Inference')}
  ${connectionTypeDefs('AttributionEdge')}
  ${connectionTypeDefs('UsageRecord')}
  ${connectionTypeDefs('Epoch')}
  ${connectionTypeDefs('EpochPayout')}
  ${connectionTypeDefs('ContributorEpochStat')}
  ${connectionTypeDefs('DatanetEpochStat')}
  ${connectionTypeDefs('ModelEpochStat')}
  ${connectionTypeDefs('AgentEpochStat')}
`
