import { describe, expect, it } from 'vitest'
import { SnakeNamingStrategy, snakeCase } from '../../src/db/naming-strategy.js'

describe('the snake_case naming strategy (names as the migrations in db/migrations spell them)', () => {
  it.each([
    ['metadataURI', 'metadata_uri'],
    ['onChainAgentId', 'on_chain_agent_id'],
    ['stakersBps', 'stakers_bps'],
    ['platformFee', 'platform_fee'],
    ['ModelEpochStat', 'model_epoch_stat'],
    ['id', 'id'],
  ])('Given %s, then %s', (name, expected) => {
    expect(snakeCase(name)).toBe(expected)
  })

  it('Given a relation and an embedded prefix, then join columns and prefixed columns are snake_case too', () => {
    const strategy = new SnakeNamingStrategy()
    expect(strategy.joinColumnName('baseModel', 'id')).toBe('base_model_id')
    expect(strategy.columnName('amountWei', undefined, ['payoutTotal'])).toBe('payout_totalamount_wei')
    expect(strategy.tableName('AttributionEpochStat', undefined)).toBe('attribution_epoch_stat')
    expect(strategy.tableName('AttributionEpochStat', 'custom')).toBe('custom')
  })
})
