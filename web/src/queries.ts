/**
 * Every GraphQL document the explorer sends, in one place so a unit test can price each against the API's cost
 * limit (test/unit/explorer-queries.unit.test.ts): a page whose query costs more stays empty.
 */

/** Settlements the live page shows at once (its refresh of those still awaiting usage asks for no more). */
export const FEED_LENGTH = 30

const FEED_INFERENCE = `id fee net dataPart mode blockNumber epoch settledAt model { id isAdapter }
  attributions(first: 3) { totalCount nodes { amount weight contributor { id } } }`

export const LIVE_FEED = `{ inferences(first: ${FEED_LENGTH}) { nodes { ${FEED_INFERENCE} } } }`
export const LIVE_SETTLEMENTS = `subscription { inferenceSettled { ${FEED_INFERENCE} } }`
export const LIVE_REFRESH = `query ($ids: [String!]) { inferences(first: ${FEED_LENGTH}, where: { id: { in: $ids } }) { nodes { ${FEED_INFERENCE} } } }`

export const INFERENCE = `query ($id: String!) { inference(id: $id) { id fee platformFee net modelPart stakersPart dataPart modelBps stakersBps dataBps mode
  blockNumber epoch settledAt txHash node model { id } modelOwner { id } agent { id }
  attributions(first: 100) { totalCount nodes { amount weight contributor { id } contribution { id } datanet { id } } } } }`

export const CONTRIBUTOR = `query ($id: String!) { contributor(id: $id) { id firstSeenBlock earned contributions(first: 1) { totalCount }
  earnings(first: 100, orderBy: { field: EPOCH, direction: DESC }) { nodes { epoch amount attributions } }
  payouts(first: 100, orderBy: { field: EPOCH, direction: DESC }) { totalCount nodes { amount asModelOwner asStaker asContributor proof claimedAmount epoch { number root } } } } }`
export const CONTRIBUTOR_EARNINGS = 'subscription ($c: String) { contributorEarnings(contributor: $c) { id } }'

export const EPOCH_CLOSED = 'subscription { epochClosed { number } }'
const EPOCH_FIELDS = 'number firstBlock lastBlock status inferences fees netFees payoutTotal root rootMatches payouts(first: 1) { totalCount }'
/** 20 a page, each payouts count priced at 100. */
export const EPOCHS = `{ epochs(first: 20) { nodes { ${EPOCH_FIELDS} } } }`
export const EPOCH = `query ($n: Int!) { epoch(number: $n) { ${EPOCH_FIELDS} payoutsList: payouts(first: 100, orderBy: { field: AMOUNT, direction: DESC }) { nodes { amount account { id } } } } }`
/**
 * An epoch's money recomputed from its rows, asked for apart from the epoch itself: it sums every edge of the
 * epoch (1.6M rows at 1M inferences, most of a second), so the pages show the epoch first and fill this in.
 */
export const EPOCH_RECONCILIATION = `query ($n: Int!) { epoch(number: $n) { reconciliation {
  balanced matchesEpoch netFees modelParts stakersParts dataParts attributed dataToModelOwners dataAwaitingUsage payoutTotal rolledIn rolledOver } } }`

export const MODELS = `{ models(first: 50, orderBy: { field: ID, direction: ASC }) { totalCount nodes { id isAdapter metadataURI owner { id } baseModel { id } adapters(first: 1) { totalCount } } } }`
export const MODEL = `query ($id: ID!) {
  model(id: $id) { id isAdapter metadataURI modelBps stakersBps dataBps owner { id }
    baseModel { id datanets(first: 100) { nodes { id } } }
    datanets(first: 20) { nodes { id metadataURI contributions(first: 1) { totalCount } } }
    adapters(first: 100) { nodes { id owner { id } } }
    stats(first: 100, orderBy: { field: EPOCH, direction: DESC }) { nodes { epoch inferences fees netFees dataPart } } }
  topContributors(scope: { model: $id }, first: 10) { rank amount attributions contributor { id } }
}`

export const LINEAGE = `query ($kind: LineageNodeKind!, $id: ID!, $direction: LineageDirection!) {
  lineage(kind: $kind, id: $id, direction: $direction, depth: 3, fanout: 25, maxEdges: 300) {
    truncated nodes { kind id depth } edges { from { kind id } to { kind id } relation amount } } }`
