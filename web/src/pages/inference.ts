import { query } from '../graphql.js'
import { INFERENCE } from '../queries.js'
import { formatWei, h, link, section, table } from '../ui.js'

interface InferenceDetail {
  id: string
  fee: string
  platformFee: string
  net: string
  modelPart: string
  stakersPart: string
  dataPart: string
  modelBps: number
  stakersBps: number
  dataBps: number
  mode: string
  blockNumber: number
  epoch: number
  settledAt: string
  txHash: string
  node: string | null
  model: { id: string }
  modelOwner: { id: string }
  agent: { id: string } | null
  attributions: { totalCount: number; nodes: { amount: string; weight: string; contributor: { id: string }; contribution: { id: string }; datanet: { id: string } }[] }
}

/** One inference: where its fee went, to the wei. */
export async function inferencePage(root: HTMLElement, id: string): Promise<void> {
  const { inference } = await query<{ inference: InferenceDetail | null }>(
    INFERENCE,
    { id },
  )
  if (!inference) return void root.append(h('p', {}, `No inference ${id}.`))
  root.append(
    section(
      `Inference ${inference.id}`,
      h('p', {}, link.model(inference.model.id), ' · ', link.epoch(inference.epoch), ` · block ${inference.blockNumber} · ${inference.settledAt} · `, link.lineage('INFERENCE', inference.id)),
      table(['part', 'bps', 'wei', 'to'], [
        ['fee', '', formatWei(inference.fee), ''],
        ['platform fee', '', formatWei(inference.platformFee), 'recorded, not distributed'],
        ['model', inference.modelBps, formatWei(inference.modelPart), link.contributor(inference.modelOwner.id)],
        ['stakers', inference.stakersBps, formatWei(inference.stakersPart), `epoch ${inference.epoch} stakers pool`],
        ['data', inference.dataBps, formatWei(inference.dataPart), inference.mode],
      ]),
    ),
    section(
      `Attribution (${inference.attributions.totalCount})`,
      table(
        ['contributor', 'contribution', 'datanet', 'weight', 'amount'],
        inference.attributions.nodes.map((edge) => [link.contributor(edge.contributor.id), edge.contribution.id, link.datanet(edge.datanet.id), edge.weight, formatWei(edge.amount)]),
        { 'data-testid': 'attribution' },
      ),
    ),
  )
}
