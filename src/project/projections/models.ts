import type { EntityManager } from 'typeorm'
import { Datanet, FeeSplitChange, Model, ModelDatanet } from '../../model/index.js'
import { validateFeeSplit } from '../../domain/fee-split.js'
import { RejectedEvent } from '../rejection.js'
import { ensureContributor, onChain, type Of } from './context.js'

/** Base models, LoRA adapters (a model with a base model), the datanets they were trained on, fee splits. */
export async function onModelRegistered(em: EntityManager, event: Of<'ModelRegistered'>): Promise<void> {
  const { modelId, owner, baseModelId, datanetIds, metadataURI } = event.payload
  const { blockNumber, at, txHash } = onChain(event)
  const isAdapter = baseModelId !== '0'
  if (isAdapter) {
    // Only the flag is needed. (Loading the entity with `loadRelationIds` made typeorm fetch every relation's ids
    // at once on the transaction's single connection: pg's "already executing a query" warning.)
    const base = await em.findOne(Model, { where: { id: baseModelId }, select: { id: true, isAdapter: true } })
    if (!base) throw new RejectedEvent('unknown-base-model', `adapter ${modelId} of model ${baseModelId}, which does not exist`)
    if (base.isAdapter) throw new RejectedEvent('adapter-of-adapter', `adapter ${modelId} of adapter ${baseModelId}`)
  }
  const distinct = [...new Set(datanetIds)]
  // A model trained on no datanet is valid: its data part goes to its owner. (typeorm reads an empty list of
  // conditions as no condition at all, so the count is only asked for when there are datanets to count.)
  const known = distinct.length === 0 ? 0 : await em.countBy(Datanet, distinct.map((id) => ({ id })))
  if (known !== distinct.length) {
    throw new RejectedEvent('unknown-datanet', `model ${modelId} names datanets ${distinct.join(',')}, not all of which exist`)
  }
  const model = new Model({ id: modelId })
  await em.insert(Model, {
    id: modelId,
    owner: await ensureContributor(em, owner, blockNumber),
    baseModel: isAdapter ? new Model({ id: baseModelId }) : null,
    isAdapter,
    metadataURI,
    registeredAtBlock: blockNumber,
    registeredAt: at,
    txHash,
  } as Model)
  if (distinct.length > 0) {
    await em.insert(
      ModelDatanet,
      distinct.map((datanetId) => ({ id: `${modelId}-${datanetId}`, model, datanet: new Datanet({ id: datanetId }) })),
    )
  }
}

export async function onFeeSplitSet(em: EntityManager, event: Of<'FeeSplitSet'>): Promise<void> {
  const { modelId, modelBps, stakersBps, dataBps } = event.payload
  const split = validateFeeSplit({ modelBps, stakersBps, dataBps })
  if (!split.ok) throw new RejectedEvent(split.reason, split.detail)
  if (!(await em.existsBy(Model, { id: modelId }))) {
    throw new RejectedEvent('unknown-model', `fee split for model ${modelId}, which does not exist`)
  }
  const { blockNumber, logIndex } = onChain(event)
  await em.insert(FeeSplitChange, { id: event.id, model: new Model({ id: modelId }), modelBps, stakersBps, dataBps, blockNumber, logIndex })
  await em.update(Model, { id: modelId }, { modelBps, stakersBps, dataBps })
}
