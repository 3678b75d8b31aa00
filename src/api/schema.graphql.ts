/** The API's SDL. Amounts are BigInt: decimal strings of wei, never Float. */
export const typeDefs = /* GraphQL */ `
  "An integer of any size, as a decimal string (token amounts in wei)."
  scalar BigInt

  enum ContributionStatus {
    PENDING
    ACCEPTED
    REJECTED
  }

  "An address that contributes data or owns datanets (lower-case hex)."
  type Contributor {
    id: ID!
    firstSeenBlock: Int!
    contributions(first: Int = 50, skip: Int = 0): [Contribution!]!
  }

  "A curated dataset that receives contributions."
  type Datanet {
    "The on-chain datanetId, as a decimal string."
    id: ID!
    owner: Contributor!
    metadataURI: String!
    createdAtBlock: Int!
    "ISO-8601 time of the block."
    createdAt: String!
    txHash: String!
    "Contributions to this datanet, oldest first."
    contributions(first: Int = 50, skip: Int = 0): [Contribution!]!
  }

  "One piece of data submitted to a datanet."
  type Contribution {
    id: ID!
    datanet: Datanet!
    contributor: Contributor!
    contentHash: String!
    "Stake in wei."
    stake: BigInt!
    status: ContributionStatus!
    submittedAtBlock: Int!
    submittedAt: String!
    txHash: String!
  }

  type DeadLetterCount {
    stage: String!
    reason: String!
    count: Int!
  }

  type Query {
    "Datanets, oldest first; optionally only those of one owner."
    datanets(first: Int = 50, skip: Int = 0, owner: String): [Datanet!]!
    datanet(id: ID!): Datanet
    "Contributions, oldest first, filtered by datanet, contributor or status."
    contributions(first: Int = 50, skip: Int = 0, datanetId: ID, contributor: String, status: ContributionStatus): [Contribution!]!
    contribution(id: ID!): Contribution
    contributor(id: ID!): Contributor
    "How many records each stage refused, by reason."
    deadLetterCounts: [DeadLetterCount!]!
  }
`
