import { connectionOf as list } from './common.graphql.js'

/** The entry points: lookups, lists, rankings, lineage, status, and live streams. */
export const rootTypeDefs = /* GraphQL */ `
  type Query {
    "Indexing status: heights of the indexed chain and the lag behind its head."
    _meta: Meta! @cost(weight: 1)

    "A contributor by address (any letter case)."
    contributor(id: String!): Contributor
    contributors${list('Contributor')}
    datanet(id: ID!): Datanet
    datanets${list('Datanet')}
    contribution(id: ID!): Contribution
    contributions${list('Contribution')}
    contributionEvents${list('ContributionEvent')}
    model(id: ID!): Model
    "Models and adapters."
    models${list('Model')}
    agent(id: ID!): Agent
    agents${list('Agent')}
    "An inference node by address."
    inferenceNode(id: String!): InferenceNode
    inferenceNodes${list('InferenceNode')}
    stake(id: ID!): Stake
    stakes${list('Stake')}
    "An inference by its inferenceId (bytes32 hex, any letter case), with its full attribution."
    inference(id: String!): Inference
    "Settled inferences, newest first by default."
    inferences${list('Inference')}
    "Attribution edges: what each contribution earned from each inference."
    attributions${list('AttributionEdge')}
    usageRecord(id: String!): UsageRecord
    usageRecords${list('UsageRecord')}
    epoch(number: Int!): Epoch
    "Epochs, newest first by default."
    epochs${list('Epoch')}
    "One account's payout for one epoch, with its Merkle proof."
    epochPayout(epoch: Int!, account: String!): EpochPayout
    epochPayouts${list('EpochPayout')}
    contributorEpochStats${list('ContributorEpochStat')}
    datanetEpochStats${list('DatanetEpochStat')}
    modelEpochStats${list('ModelEpochStat')}
    agentEpochStats${list('AgentEpochStat')}

    "Contributors ranked by what their contributions earned, for a model, a datanet, an epoch or a combination (at most 100)."
    topContributors(scope: EarningsScope, first: Int! = 20): [ContributorEarnings!]! @cost(weight: 10)
    "Datanets ranked by what their contributions earned, for a model, a contributor, an epoch or a combination (at most 100)."
    topDatanets(scope: EarningsScope, first: Int! = 20): [DatanetEarnings!]! @cost(weight: 10)
    "Models ranked by earnings, for a datanet, a contributor, an epoch or a combination (at most 100)."
    topModels(scope: EarningsScope, first: Int! = 20): [ModelEarnings!]! @cost(weight: 10)

    """
    The graph around a node, walked in the database: UPSTREAM to what it depends on, DOWNSTREAM to where it was
    used and earned. Null if the node does not exist.
    """
    lineage(
      kind: LineageNodeKind!
      "An address for a contributor, a bytes32 hex id for an inference, else the on-chain id."
      id: ID!
      direction: LineageDirection!
      "Hops from the node, 1 to 6."
      depth: Int! = 2
      "Neighbours followed per node and relation, 1 to 200 (the largest amounts first, else the newest)."
      fanout: Int! = 50
      "Edges returned at most, 1 to 2000."
      maxEdges: Int! = 500
      "Only these relations (default: all)."
      relations: [LineageRelation!]
    ): Lineage @cost(weight: 20, perRow: 1)

    "How many records each stage refused, by reason."
    deadLetterCounts: [DeadLetterCount!]! @cost(weight: 1)
  }

  """
  Live streams, over Server-Sent Events (POST or GET /graphql with Accept: text/event-stream) or WebSocket
  (graphql-transport-ws protocol on /graphql). Every API instance delivers every committed change.
  """
  type Subscription {
    "Each newly settled inference, optionally only of one model or one agent."
    inferenceSettled(model: ID, agent: ID): Inference!
    "Each change of a contributor's earnings in an epoch (new attributions, or a fork undoing them)."
    contributorEarnings(contributor: String): ContributorEpochStat!
    "Each epoch as it closes, with its root and payouts."
    epochClosed: Epoch!
    "Each fork the projection undid."
    rollback: Rollback!
  }
`
