/** Rankings, lineage and indexing status. */
export const analyticsTypeDefs = /* GraphQL */ `
  "Which earnings to rank: any combination narrows the scope; none ranks over everything."
  input EarningsScope {
    "Only inferences of this model (an adapter counts as its own model)."
    model: ID
    "Only what this datanet's contributions earned."
    datanet: ID
    "Only what this contributor's contributions earned (for topDatanets and topModels)."
    contributor: String
    epoch: Int
  }

  "A contributor's attribution earnings within a scope."
  type ContributorEarnings {
    "1 for the largest amount; ties are broken by address."
    rank: Int!
    contributor: Contributor!
    amount: BigInt!
    "Attribution edges summed."
    attributions: Int!
  }

  "A datanet's attribution earnings within a scope."
  type DatanetEarnings {
    rank: Int!
    datanet: Datanet!
    amount: BigInt!
    attributions: Int!
  }

  "A model's earnings within a scope."
  type ModelEarnings {
    rank: Int!
    model: Model!
    """
    With a datanet or contributor in scope: what that datanet or contributor earned through this model's
    inferences. Otherwise: the model's net fees (fee - platform fee), everything its inferences paid out.
    """
    amount: BigInt!
    "Its inferences that count towards amount."
    inferences: Int!
  }

  enum LineageDirection {
    "What the node depends on: an inference's model, agent and contributions; a model's base model, datanets and owner; a datanet's contributions; a contribution's contributor."
    UPSTREAM
    "Where the node was used and earned: the reverse of UPSTREAM."
    DOWNSTREAM
  }

  enum LineageNodeKind {
    INFERENCE
    "A base model or an adapter."
    MODEL
    DATANET
    CONTRIBUTION
    CONTRIBUTOR
    AGENT
  }

  "The edges of the attribution graph, each from the dependent node to what it depends on."
  enum LineageRelation {
    "inference -> the model it called; amount: the model part."
    USES_MODEL
    "inference -> the agent that called it."
    CALLED_BY
    "inference -> a contribution it paid; weight and amount as attributed."
    ATTRIBUTED_TO
    "adapter -> its base model."
    ADAPTS
    "model -> a datanet it was trained on."
    TRAINED_ON
    "datanet -> a contribution it holds."
    CONTAINS
    "contribution -> its contributor."
    SUBMITTED_BY
    "model, datanet or agent -> its owner."
    OWNED_BY
  }

  union LineageEntity = Inference | Model | Datanet | Contribution | Contributor | Agent

  type LineageNode {
    kind: LineageNodeKind!
    id: ID!
    "Hops from the root (0 for the root)."
    depth: Int!
    entity: LineageEntity @cost(weight: 1)
  }

  type LineageNodeRef {
    kind: LineageNodeKind!
    id: ID!
  }

  "One weighted edge, always from the dependent node (from) to what it depends on (to)."
  type LineageEdge {
    from: LineageNodeRef! @cost(weight: 0)
    to: LineageNodeRef! @cost(weight: 0)
    relation: LineageRelation!
    "The attribution weight (ATTRIBUTED_TO only)."
    weight: BigInt
    "Wei that flowed to the 'to' side along this edge (ATTRIBUTED_TO and USES_MODEL)."
    amount: BigInt
    "Hops from the root to the edge's far end."
    depth: Int!
  }

  "The part of the graph reachable from a node, as nodes and weighted edges."
  type Lineage {
    root: LineageNode! @cost(weight: 0)
    direction: LineageDirection!
    "Every node reached, the root first, each at its shortest depth (only their entities cost: the walk is one statement)."
    nodes: [LineageNode!]! @cost(weight: 0)
    edges: [LineageEdge!]! @cost(weight: 0)
    "Whether the walk stopped at maxEdges (or a node had more than fanout neighbours)."
    truncated: Boolean!
  }

  "How far the index is: heights in blocks of the indexed chain."
  type Meta {
    chainId: Int
    "Newest block whose events the projection holds (final or not)."
    indexedHeight: Int
    "Newest final block the projection has applied."
    finalizedHeight: Int
    "Newest block the chain ingester has seen."
    headHeight: Int
    "headHeight - indexedHeight."
    lag: Int
    "Records dead-lettered so far."
    deadLetters: Int!
  }

  type DeadLetterCount {
    stage: String!
    reason: String!
    count: Int!
  }

  "A fork undid the projection's changes from fromBlock to toBlock: data from those blocks was retracted."
  type Rollback {
    fromBlock: Int!
    toBlock: Int!
    "Events undone."
    undoneEvents: Int!
    "The index status after the rollback."
    meta: Meta! @cost(weight: 1)
  }
`
