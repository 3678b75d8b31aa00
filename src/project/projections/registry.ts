import type { EntityManager } from 'typeorm'
import type { ChainEvent, ChainEventType } from '../../domain/chain-events.js'
import { Contribution, ContributionStatus, Contributor, Datanet } from '../../model/index.js'

/**
 * Projections of the datanet registry: contributors, datanets and their contributions.
 * Each handler is written for the projector's transaction; it must be deterministic (no wall clock).
 */
type Of<T extends ChainEventType> = Extract<ChainEvent, { type: T }>

export async function ensureContributor(em: EntityManager, address: string, block: number): Promise<Contributor> {
  // First sighting wins: an earlier block lowers firstSeenBlock, a later one leaves it.
  await em.query(
    `INSERT INTO contributor (id, first_seen_block) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET first_seen_block = LEAST(contributor.first_seen_block, excluded.first_seen_block)`,
    [address, block],
  )
  return new Contributor({ id: address })
}

export async function onDatanetCreated(em: EntityManager, event: Of<'DatanetCreated'>): Promise<void> {
  const { datanetId, owner, metadataURI } = event.payload
  const block = requireBlock(event)
  await em.insert(Datanet, {
    id: datanetId,
    owner: await ensureContributor(em, owner, block.number),
    metadataURI,
    createdAtBlock: block.number,
    createdAt: new Date(event.occurredAt),
    txHash: event.txHash ?? '',
  })
}

export async function onContributionSubmitted(em: EntityManager, event: Of<'ContributionSubmitted'>): Promise<void> {
  const { datanetId, contributionId, contributor, contentHash, stake } = event.payload
  const block = requireBlock(event)
  await em.insert(Contribution, {
    id: contributionId,
    datanet: new Datanet({ id: datanetId }),
    contributor: await ensureContributor(em, contributor, block.number),
    contentHash,
    stake: BigInt(stake),
    status: ContributionStatus.PENDING,
    submittedAtBlock: block.number,
    submittedAt: new Date(event.occurredAt),
    txHash: event.txHash ?? '',
  })
}

export async function onContributionReviewed(em: EntityManager, event: Of<'ContributionReviewed'>): Promise<void> {
  const { contributionId, accepted } = event.payload
  await em.update(Contribution, { id: contributionId }, {
    status: accepted ? ContributionStatus.ACCEPTED : ContributionStatus.REJECTED,
  })
}

function requireBlock(event: ChainEvent) {
  if (event.block == null) throw new Error(`${event.type} ${event.id} has no block`)
  return event.block
}
