import { IsNull, type EntityManager } from 'typeorm'
import { Agent, InferenceNode } from '../../model/index.js'
import { RejectedEvent } from '../rejection.js'
import { ensureContributor, onChain, type Of } from './context.js'

/** Agents, and the inference nodes whose signatures authenticate usage records. */
export async function onAgentRegistered(em: EntityManager, event: Of<'AgentRegistered'>): Promise<void> {
  const { agentId, owner, metadataURI } = event.payload
  const { blockNumber, at, txHash } = onChain(event)
  await em.insert(Agent, {
    id: agentId,
    owner: await ensureContributor(em, owner, blockNumber),
    metadataURI,
    registeredAtBlock: blockNumber,
    registeredAt: at,
    txHash,
  })
}

export async function onInferenceNodeRegistered(em: EntityManager, event: Of<'InferenceNodeRegistered'>): Promise<void> {
  const { node, operator } = event.payload
  const { blockNumber, at } = onChain(event)
  if (await em.existsBy(InferenceNode, { id: node })) {
    throw new RejectedEvent('node-already-registered', `inference node ${node} is already registered`)
  }
  await em.insert(InferenceNode, {
    id: node,
    operator: await ensureContributor(em, operator, blockNumber),
    registeredAtBlock: blockNumber,
    registeredAt: at,
  })
}

export async function onInferenceNodeRevoked(em: EntityManager, event: Of<'InferenceNodeRevoked'>): Promise<void> {
  const { node } = event.payload
  const { blockNumber, at } = onChain(event)
  const result = await em.update(InferenceNode, { id: node, revokedAtBlock: IsNull() }, { revokedAtBlock: blockNumber, revokedAt: at })
  if (!result.affected) throw new RejectedEvent('unknown-node', `revocation of inference node ${node}, which is not registered`)
}
