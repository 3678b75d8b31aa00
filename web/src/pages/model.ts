import { query } from '../graphql.js'
import { MODEL, MODELS } from '../queries.js'
import { epochChart, formatWei, h, link, section, table } from '../ui.js'

interface ModelRow {
  id: string
  isAdapter: boolean
  metadataURI: string
  owner: { id: string }
  baseModel: { id: string } | null
  adapters: { totalCount: number }
}

/** Every model and adapter. */
export async function modelsPage(root: HTMLElement): Promise<void> {
  const { models } = await query<{ models: { totalCount: number; nodes: ModelRow[] } }>(
    MODELS,
  )
  root.append(
    section(
      `Models (${models.totalCount})`,
      table(
        ['model', 'kind', 'owner', 'metadata', 'adapters', ''],
        models.nodes.map((m) => [link.model(m.id), m.isAdapter ? h('span', {}, 'adapter of ', link.model(m.baseModel!.id)) : 'base model', link.contributor(m.owner.id), m.metadataURI, m.adapters.totalCount, link.lineage('MODEL', m.id)]),
        { 'data-testid': 'models' },
      ),
    ),
  )
}

interface ModelDetail {
  id: string
  isAdapter: boolean
  metadataURI: string
  modelBps: number | null
  stakersBps: number | null
  dataBps: number | null
  owner: { id: string }
  baseModel: { id: string; datanets: { nodes: { id: string }[] } } | null
  datanets: { nodes: { id: string; metadataURI: string; contributions: { totalCount: number } }[] }
  adapters: { nodes: { id: string; owner: { id: string } }[] }
  stats: { nodes: { epoch: number; inferences: number; fees: string; netFees: string; dataPart: string }[] }
}

/** A model: what it was trained on, its adapters, who earned from it, and its fees per epoch. */
export async function modelPage(root: HTMLElement, id: string): Promise<void> {
  const data = await query<{ model: ModelDetail | null; topContributors: { rank: number; amount: string; attributions: number; contributor: { id: string } }[] }>(
    MODEL,
    { id },
  )
  const model = data.model
  if (!model) return void root.append(h('p', {}, `No model ${id}.`))
  const stats = [...model.stats.nodes].reverse()
  const split = model.modelBps === null ? 'the default fee split' : `fee split ${model.modelBps}/${model.stakersBps}/${model.dataBps} bps (model/stakers/data)`
  root.append(
    section(
      `${model.isAdapter ? 'Adapter' : 'Model'} ${model.id}`,
      h('p', {}, 'owner ', link.contributor(model.owner.id), ` · ${split} · ${model.metadataURI} · `, link.lineage('MODEL', model.id)),
      model.baseModel ? h('p', {}, 'adapter of ', link.model(model.baseModel.id), ', whose datanets also count: ', model.baseModel.datanets.nodes.map((d) => d.id).join(', ')) : null,
    ),
    section('Datanets', table(['datanet', 'metadata', 'contributions'], model.datanets.nodes.map((d) => [link.datanet(d.id), d.metadataURI, d.contributions.totalCount]), { 'data-testid': 'datanets' })),
    section('Adapters', table(['adapter', 'owner'], model.adapters.nodes.map((a) => [link.model(a.id), link.contributor(a.owner.id)]), { 'data-testid': 'adapters' })),
    section('Top contributors', table(['rank', 'contributor', 'attributions', 'earned'], data.topContributors.map((c) => [c.rank, link.contributor(c.contributor.id), c.attributions, formatWei(c.amount)]), { 'data-testid': 'top-contributors' })),
    section('Earnings per epoch', epochChart(stats.map((s) => ({ epoch: s.epoch, amount: s.netFees })), 'net fees'), table(['epoch', 'inferences', 'fees', 'net', 'to data'], model.stats.nodes.map((s) => [link.epoch(s.epoch), s.inferences, formatWei(s.fees), formatWei(s.netFees), formatWei(s.dataPart)]))),
  )
}
