import type { EntityManager } from 'typeorm'
import { Stake, StakeStatus, StakeTopUp } from '../../model/index.js'
import { RejectedEvent } from '../rejection.js'
import { ensureContributor, onChain, type Of } from './context.js'

/**
 * Stakes of OpenLedger's Staking contract. A stake's principal (Staked + ToppedUp) earns a share of the stakers'
 * pool until its RequestUnstake or Unstaked, whichever comes first (endedAtBlock).
 */
export async function onStaked(em: EntityManager, event: Of<'Staked'>): Promise<void> {
  const { stakingId, recipient, amount } = event.payload
  const { blockNumber } = onChain(event)
  await em.insert(Stake, {
    id: stakingId,
    recipient: await ensureContributor(em, recipient, blockNumber),
    amount: BigInt(amount),
    principal: BigInt(amount),
    status: StakeStatus.ACTIVE,
    stakedAtBlock: blockNumber,
  })
}

export async function onToppedUp(em: EntityManager, event: Of<'ToppedUp'>): Promise<void> {
  const { stakingId, amount } = event.payload
  const stake = await requireStake(em, stakingId)
  await em.insert(StakeTopUp, { id: event.id, stake, amount: BigInt(amount), blockNumber: onChain(event).blockNumber })
  await em.update(Stake, { id: stakingId }, { principal: stake.principal + BigInt(amount) })
}

export async function onStakeEnding(em: EntityManager, event: Of<'RequestUnstake' | 'Unstaked'>): Promise<void> {
  const stake = await requireStake(em, event.payload.stakingId)
  await em.update(Stake, { id: stake.id }, {
    status: event.type === 'Unstaked' ? StakeStatus.UNSTAKED : StakeStatus.UNSTAKE_REQUESTED,
    endedAtBlock: stake.endedAtBlock ?? onChain(event).blockNumber,
  })
}

async function requireStake(em: EntityManager, id: string): Promise<Stake> {
  const stake = await em.findOneBy(Stake, { id })
  if (!stake) throw new RejectedEvent('unknown-stake', `stake ${id} does not exist`)
  return stake
}
