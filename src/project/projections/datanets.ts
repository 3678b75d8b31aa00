import type { EntityManager } from 'typeorm'
import {
  Contribution,
  ContributionEvent,
  ContributionEventKind,
  ContributionStatus,
  Datanet,
} from '../../model/index.js'
import { RejectedEvent } from '../rejection.js'
import { ensureContributor, onChain, type Of } from './context.js'

/** Datanets, contributions and each contribution's status history. */
export async function onDatanetCreated(em: EntityManager, event: Of<'DatanetCreated'>): Promise<void> {
  const { datanetId, owner, metadataURI } = event.payload
  const { blockNumber, at, txHash } = onChain(event)
  await em.insert(Datanet, {
    id: datanetId,
    owner: await ensureContributor(em, owner, blockNumber),
    metadataURI,
    createdAtBlock: blockNumber,
    createdAt: at,
    txHash,
  })
}

export async function onContributionSubmitted(em: EntityManager, event: Of<'ContributionSubmitted'>): Promise<void> {
  const { datanetId, contributionId, contributor, contentHash, stake } = event.payload
  const { blockNumber, at, txHash } = onChain(event)
  if (!(await em.existsBy(Datanet, { id: datanetId }))) {
    throw new RejectedEvent('unknown-datanet', `contribution ${contributionId} to datanet ${datanetId}, which does not exist`)
  }
  const contribution = new Contribution({ id: contributionId })
  await em.insert(Contribution, {
    id: contributionId,
    datanet: new Datanet({ id: datanetId }),
    contributor: await ensureContributor(em, contributor, blockNumber),
    contentHash,
    stake: BigInt(stake),
    status: ContributionStatus.PENDING,
    slashedAmount: 0n,
    submittedAtBlock: blockNumber,
    submittedAt: at,
    txHash,
  })
  await recordHistory(em, event, contribution, ContributionEventKind.SUBMITTED, { actor: contributor })
}

export async function onContributionReviewed(em: EntityManager, event: Of<'ContributionReviewed'>): Promise<void> {
  const { contributionId, accepted, reviewer } = event.payload
  const contribution = await requireContribution(em, contributionId)
  // Reviewed once, as the registry enforces: a contribution's status history is then its review block alone,
  // so its status as of any block can be told from its row, whenever a join asks.
  if (contribution.status !== ContributionStatus.PENDING) {
    throw new RejectedEvent('already-reviewed', `contribution ${contributionId} was reviewed at block ${contribution.reviewedAtBlock}`)
  }
  await em.update(Contribution, { id: contributionId }, {
    status: accepted ? ContributionStatus.ACCEPTED : ContributionStatus.REJECTED,
    reviewedAtBlock: onChain(event).blockNumber,
  })
  const kind = accepted ? ContributionEventKind.ACCEPTED : ContributionEventKind.REJECTED
  await recordHistory(em, event, contribution, kind, { actor: reviewer })
}

export async function onContributionSlashed(em: EntityManager, event: Of<'ContributionSlashed'>): Promise<void> {
  const { contributionId, amount, reason } = event.payload
  const contribution = await requireContribution(em, contributionId)
  await em.update(Contribution, { id: contributionId }, {
    slashedAmount: contribution.slashedAmount + BigInt(amount),
    slashedAtBlock: contribution.slashedAtBlock ?? onChain(event).blockNumber,
  })
  await recordHistory(em, event, contribution, ContributionEventKind.SLASHED, { amount: BigInt(amount), reason })
}

async function requireContribution(em: EntityManager, id: string): Promise<Contribution> {
  const contribution = await em.findOneBy(Contribution, { id })
  if (!contribution) throw new RejectedEvent('unknown-contribution', `contribution ${id} does not exist`)
  return contribution
}

async function recordHistory(
  em: EntityManager,
  event: Of<'ContributionSubmitted' | 'ContributionReviewed' | 'ContributionSlashed'>,
  contribution: Contribution,
  kind: ContributionEventKind,
  details: { actor?: string; amount?: bigint; reason?: string },
) {
  const { blockNumber, logIndex, at, txHash } = onChain(event)
  await em.insert(ContributionEvent, { id: event.id, contribution, kind, blockNumber, logIndex, at, txHash, ...details })
}
