// Each query family of the GraphQL API over real HTTP against a real PostgreSQL holding a generated graph:
// lookups and nested relations, filters and orderings, the rankings, an inference's full attribution,
// payouts with Merkle proofs, epoch reconciliation, the index status, and batching (no N+1).
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { gql } from '../support/graphql.js'
import { sampleValue } from '../support/prometheus.js'
import { changeProjection, CLOSED_EPOCHS, HEAD, OPEN_EPOCH, startSeededApi, type Edge, type Fixture } from './api-fixture.js'

const services = inject('services')

/** Sums amounts by key and ranks them as the API must: largest first, ties to the lower key. */
function ranking<T>(items: T[], key: (item: T) => string, amount: (item: T) => bigint, first = 20) {
  const sums = new Map<string, bigint>()
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0n) + amount(item))
  return [...sums]
    .sort(([a, x], [b, y]) => (x === y ? (a < b ? -1 : 1) : x > y ? -1 : 1))
    .slice(0, first)
    .map(([id, sum]) => ({ id, amount: sum.toString() }))
}

describe('GraphQL queries over a generated attribution graph', () => {
  let api: Awaited<ReturnType<typeof startSeededApi>>
  let f: Fixture

  beforeAll(async () => {
    api = await startSeededApi(services.dbUrl, 1500)
    f = api.fixture
  })
  afterAll(() => api?.close())

  it('resolves a datanet with its owner, contributions, models and earnings', async () => {
    const data = await gql<any>(api.url, `query ($id: ID!) {
      datanet(id: $id) {
        id owner { id } createdAt
        contributions(first: 50) { totalCount nodes { id contributor { id } datanet { id } } }
        models { nodes { id isAdapter baseModel { id } } }
        earned
      }
    }`, { id: '2' })
    const expected = f.contributions.filter((c) => c.datanetId === '2')
    expect(data.datanet.owner.id).toBe(f.datanets[1].ownerId)
    expect(data.datanet.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(data.datanet.contributions.totalCount).toBe(expected.length)
    expect(data.datanet.contributions.nodes.map((c: any) => c.id)).toEqual(expected.map((c) => c.id))
    expect(data.datanet.contributions.nodes.map((c: any) => c.contributor.id)).toEqual(expected.map((c) => c.contributorId))
    expect(data.datanet.models.nodes.map((m: any) => m.id).sort()).toEqual(['1', '2'])
    expect(data.datanet.earned).toBe(f.edges.filter((e) => e.datanetId === '2').reduce((s, e) => s + e.amount, 0n).toString())
  })

  it('filters by equality, ranges, lists and addresses in any letter case', async () => {
    const minFee = 10n ** 16n
    const data = await gql<any>(api.url, `query ($payer: String!, $min: BigInt!) {
      byModelEpochFee: inferences(where: { model: { eq: "4" }, epoch: { gte: 1, lte: 1 }, fee: { gte: $min } }) { totalCount }
      byModes: inferences(where: { mode: { in: [OWNER, AWAITING_USAGE] } }) { totalCount }
      byPayer: inferences(where: { payer: { eq: $payer } }) { totalCount }
      contributors(where: { id: { in: ["${f.contributors[3].toUpperCase().replace('0X', '0x')}"] } }) { nodes { id } }
    }`, { payer: f.inferences[0].payer.toUpperCase().replace('0X', '0x'), min: minFee.toString() })
    expect(data.byModelEpochFee.totalCount).toBe(f.inferences.filter((i) => i.modelId === '4' && i.epoch === 1 && i.fee >= minFee).length)
    expect(data.byModes.totalCount).toBe(f.inferences.filter((i) => i.mode !== 'USAGE').length)
    expect(data.byPayer.totalCount).toBe(f.inferences.filter((i) => i.payer === f.inferences[0].payer).length)
    expect(data.contributors.nodes).toEqual([{ id: f.contributors[3] }])
  })

  it('orders by a non-unique field with the id as tie-breaker, in either direction', async () => {
    const data = await gql<any>(api.url, `{
      desc: inferences(first: 100, orderBy: { field: FEE, direction: DESC }) { nodes { id fee } }
      asc: inferences(first: 100, orderBy: { field: FEE, direction: ASC }) { nodes { id fee } }
    }`)
    const byFeeThenId = [...f.inferences].sort((a, b) => (a.fee === b.fee ? (a.id < b.id ? -1 : 1) : a.fee < b.fee ? -1 : 1))
    expect(data.asc.nodes).toEqual(byFeeThenId.slice(0, 100).map((i) => ({ id: i.id, fee: i.fee.toString() })))
    expect(data.desc.nodes).toEqual([...byFeeThenId].reverse().slice(0, 100).map((i) => ({ id: i.id, fee: i.fee.toString() })))
  })

  it("gives an inference's full attribution: contributions, weights and amounts summing to its data part", async () => {
    const inference = f.inferences.find((i) => f.edges.filter((e) => e.inferenceId === i.id).length >= 3)!
    const expected = f.edges.filter((e) => e.inferenceId === inference.id)
    const data = await gql<any>(api.url, `query ($id: String!) {
      inference(id: $id) {
        id fee net dataPart mode model { id owner { id } } modelOwner { id } agent { id }
        attributions { totalCount nodes { contribution { id status } contributor { id } datanet { id } weight amount epoch } }
      }
    }`, { id: inference.id.toUpperCase().replace('0X', '0x') })
    const got = data.inference
    expect(got.id).toBe(inference.id)
    expect(got.model.owner.id).toBe(inference.ownerId)
    expect(got.agent.id).toBe(inference.agentId)
    expect(got.attributions.totalCount).toBe(expected.length)
    const byContribution = (list: { contributionId: string }[]) => [...list].sort((a, b) => Number(a.contributionId) - Number(b.contributionId))
    expect(byContribution(got.attributions.nodes.map((n: any) => ({ contributionId: n.contribution.id, contributorId: n.contributor.id, datanetId: n.datanet.id, weight: n.weight, amount: n.amount }))))
      .toEqual(byContribution(expected.map((e) => ({ contributionId: e.contributionId, contributorId: e.contributorId, datanetId: e.datanetId, weight: e.weight.toString(), amount: e.amount.toString() }))))
    const amounts = got.attributions.nodes.map((n: any) => BigInt(n.amount))
    expect(amounts.reduce((s: bigint, a: bigint) => s + a, 0n)).toBe(inference.dataPart)
    expect(amounts).toEqual([...amounts].sort((a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0))) // largest first
  })

  it('ranks contributors, datanets and models by earnings for a model, a datanet or an epoch', async () => {
    const edgesOf = (keep: (e: Edge) => boolean) => f.edges.filter(keep)
    const modelOf = new Map(f.inferences.map((i) => [i.id, i.modelId]))
    const data = await gql<any>(api.url, `{
      modelEpoch: topContributors(scope: { model: "1", epoch: 1 }) { rank contributor { id } amount attributions }
      datanet: topContributors(scope: { datanet: "3" }, first: 5) { contributor { id } amount }
      epoch: topContributors(scope: { epoch: 0 }, first: 100) { contributor { id } amount }
      datanetsOfModel: topDatanets(scope: { model: "2" }) { datanet { id } amount }
      modelsOfDatanet: topModels(scope: { datanet: "4" }) { model { id } amount inferences }
      modelsOfEpoch: topModels(scope: { epoch: 1 }) { model { id } amount inferences }
    }`)
    const simplify = (rows: any[], key: string) => rows.map((r) => ({ id: r[key].id, amount: r.amount }))
    const modelEpochEdges = edgesOf((e) => modelOf.get(e.inferenceId) === '1' && e.epoch === 1)
    expect(simplify(data.modelEpoch, 'contributor')).toEqual(ranking(modelEpochEdges, (e) => e.contributorId, (e) => e.amount))
    expect(data.modelEpoch.map((r: any) => r.rank)).toEqual(data.modelEpoch.map((_: unknown, i: number) => i + 1))
    expect(data.modelEpoch[0].attributions).toBe(modelEpochEdges.filter((e) => e.contributorId === data.modelEpoch[0].contributor.id).length)
    expect(simplify(data.datanet, 'contributor')).toEqual(ranking(edgesOf((e) => e.datanetId === '3'), (e) => e.contributorId, (e) => e.amount, 5))
    expect(simplify(data.epoch, 'contributor')).toEqual(ranking(edgesOf((e) => e.epoch === 0), (e) => e.contributorId, (e) => e.amount, 100))
    expect(simplify(data.datanetsOfModel, 'datanet')).toEqual(ranking(edgesOf((e) => modelOf.get(e.inferenceId) === '2'), (e) => e.datanetId, (e) => e.amount))
    expect(simplify(data.modelsOfDatanet, 'model')).toEqual(ranking(edgesOf((e) => e.datanetId === '4'), (e) => modelOf.get(e.inferenceId)!, (e) => e.amount))
    const epochOne = f.inferences.filter((i) => i.epoch === 1)
    expect(simplify(data.modelsOfEpoch, 'model')).toEqual(ranking(epochOne, (i) => i.modelId, (i) => i.net))
    expect(data.modelsOfEpoch.map((r: any) => r.inferences)).toEqual(data.modelsOfEpoch.map((r: any) => epochOne.filter((i) => i.modelId === r.model.id).length))
  })

  it("gives a contributor's payout per epoch with a Merkle proof that verifies against the epoch's root", async () => {
    const account = f.payouts.find((p) => p.contributor > 0n && p.owner > 0n)?.account ?? f.payouts[0].account
    const data = await gql<any>(api.url, `query ($id: String!) {
      contributor(id: $id) {
        payouts(orderBy: { field: EPOCH, direction: ASC }) { nodes { epoch { number root } amount asModelOwner asStaker asContributor proof root verified } }
        earnings(orderBy: { field: EPOCH, direction: ASC }) { nodes { epoch amount payout { amount } } }
      }
    }`, { id: account })
    const expected = f.payouts.filter((p) => p.account === account)
    const payouts = data.contributor.payouts.nodes
    expect(payouts.map((p: any) => p.epoch.number)).toEqual(expected.map((p) => p.epoch))
    for (const [i, p] of payouts.entries()) {
      expect(p.amount).toBe(expected[i].amount.toString())
      expect(BigInt(p.asModelOwner) + BigInt(p.asStaker) + BigInt(p.asContributor)).toBe(BigInt(p.amount))
      expect(p.root).toBe(f.roots.get(p.epoch.number))
      expect(StandardMerkleTree.verify(p.root, ['address', 'uint256'], [account, p.amount], p.proof)).toBe(true)
      expect(StandardMerkleTree.verify(p.root, ['address', 'uint256'], [account, (BigInt(p.amount) + 1n).toString()], p.proof)).toBe(false)
      expect(p.verified).toBe(true)
    }
    for (const stat of data.contributor.earnings.nodes) {
      const sum = f.edges.filter((e) => e.contributorId === account && e.epoch === stat.epoch).reduce((s, e) => s + e.amount, 0n)
      expect(stat.amount).toBe(sum.toString())
      if (CLOSED_EPOCHS.includes(stat.epoch)) expect(stat.payout.amount).toBe(expected.find((p) => p.epoch === stat.epoch)!.amount.toString())
    }
  })

  it('reconciles every epoch to its fees, and notices a wei out of place', async () => {
    const query = `{ epochs(orderBy: { field: NUMBER, direction: ASC }) { nodes { number status reconciliation {
      fees netFees modelParts stakersParts dataParts attributed dataToModelOwners dataAwaitingUsage payoutTotal
      payoutsAsContributor rolledOver matchesEpoch balanced } } } }`
    const data = await gql<any>(api.url, query)
    expect(data.epochs.nodes.map((e: any) => [e.number, e.status])).toEqual([[0, 'CLOSED'], [1, 'CLOSED'], [OPEN_EPOCH, 'OPEN']])
    for (const epoch of data.epochs.nodes) {
      const r = epoch.reconciliation
      const list = f.inferences.filter((i) => i.epoch === epoch.number)
      expect(r.fees).toBe(list.reduce((s, i) => s + i.fee, 0n).toString())
      expect(BigInt(r.modelParts) + BigInt(r.stakersParts) + BigInt(r.dataParts)).toBe(BigInt(r.netFees))
      expect(BigInt(r.attributed) + BigInt(r.dataToModelOwners) + BigInt(r.dataAwaitingUsage)).toBe(BigInt(r.dataParts))
      if (epoch.status === 'CLOSED') expect(BigInt(r.payoutTotal) + BigInt(r.rolledOver)).toBe(BigInt(r.netFees))
      expect([r.matchesEpoch, r.balanced]).toEqual([true, true])
    }
    const edge = f.edges.find((e) => e.epoch === 0)!
    await changeProjection(api, 'UPDATE attribution_edge SET amount = amount + 1 WHERE id = $1', [edge.id])
    try {
      const broken = await gql<any>(api.url, query)
      expect(broken.epochs.nodes.map((e: any) => e.reconciliation.balanced)).toEqual([false, true, true])
    } finally {
      await changeProjection(api, 'UPDATE attribution_edge SET amount = amount - 1 WHERE id = $1', [edge.id])
    }
  })

  it('tells a usage record joined to its settlement from one still waiting', async () => {
    const [settled, unjoined] = f.inferences.filter((i) => i.mode === 'USAGE')
    // waiting: no settlement yet; unjoined: settled, but the record was not joined to it (usage_at stays NULL)
    const waiting = `0x${'7'.repeat(64)}`
    const ids = [settled.id, unjoined.id, waiting]
    const insert = `INSERT INTO usage_record (id, model_id, agent_id, node, tokens_in, tokens_out, timestamp, attributions)
      SELECT id, '1', '1', '0x${'1'.repeat(40)}', 10, 20, '2026-01-01T00:00:00Z', '[]' FROM unnest($1::text[]) id`
    await changeProjection(api, `WITH joined AS (UPDATE inference SET usage_at = '2026-01-01T00:00:00Z' WHERE id = $2) ${insert}`, [ids, settled.id])
    try {
      const data = await gql<any>(api.url, `query ($ids: [String!]!) {
        all: usageRecords(where: { id: { in: $ids } }) { nodes { id joined } }
        joined: usageRecords(where: { joined: true }) { nodes { id } }
        waiting: usageRecords(where: { joined: false }) { nodes { id } }
      }`, { ids })
      expect(new Map(data.all.nodes.map((n: any) => [n.id, n.joined]))).toEqual(new Map([[settled.id, true], [unjoined.id, false], [waiting, false]]))
      expect(data.joined.nodes).toEqual([{ id: settled.id }])
      expect(data.waiting.nodes.map((n: any) => n.id).sort()).toEqual([unjoined.id, waiting].sort())
    } finally {
      await changeProjection(api, 'WITH gone AS (DELETE FROM usage_record WHERE id = ANY($1)) UPDATE inference SET usage_at = NULL WHERE id = $2', [ids, settled.id])
    }
  })

  it('reports the indexed height, the chain head and the lag', async () => {
    const data = await gql<any>(api.url, '{ _meta { chainId indexedHeight finalizedHeight headHeight lag deadLetters } }')
    expect(data._meta).toEqual({ chainId: 31337, indexedHeight: HEAD.finalized, finalizedHeight: HEAD.finalized, headHeight: HEAD.top, lag: HEAD.top - HEAD.finalized, deadLetters: 0 })
  })

  it('batches nested lookups: the statements per query stay flat as the page grows (no N+1)', async () => {
    const statementsFor = async (first: number) => {
      const read = async () => sampleValue(await (await fetch(`${api.baseUrl}/metrics`)).text(), 'attrib_api_sql_statements_per_operation_sum') ?? 0
      const before = await read()
      const data = await gql<any>(api.url, `query ($first: Int!) { inferences(first: $first) { nodes {
        id model { id owner { id } } modelOwner { id } agent { id owner { id } }
        attributions(first: 5) { nodes { amount contributor { id } contribution { id datanet { id } } } }
      } } }`, { first })
      expect(data.inferences.nodes).toHaveLength(first)
      return (await read()) - before
    }
    const [few, many] = [await statementsFor(5), await statementsFor(100)]
    // the page, then one statement per entity kind and level: a query without batching would run hundreds
    expect(many).toBeLessThanOrEqual(10)
    expect(many).toBe(few)
  })
})
