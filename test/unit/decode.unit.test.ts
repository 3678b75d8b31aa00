// Logs are encoded here with viem from the event signatures as contracts/src declares them, an encoder independent of
// the typegen'd decoders under test, so a drifted ABI or a wrong field mapping fails.
import { encodeAbiParameters, encodeEventTopics, parseAbiItem, type AbiEvent } from 'viem'
import { describe, expect, it } from 'vitest'
import { decodeLog, rolesByAddress, type RawLog } from '../../src/ingest/chain/decode.js'

const DATANETS = '0x' + 'aa'.repeat(20)
const MODELS = '0x' + 'bb'.repeat(20)
const STAKING = '0x' + 'cc'.repeat(20)
const roles = rolesByAddress({ datanets: DATANETS, models: MODELS, staking: STAKING })
const block = { height: 42, hash: '0x' + '42'.repeat(32), timestamp: Date.UTC(2026, 10, 25, 12) }
const owner = '0x' + '1f'.repeat(20)

function encodeLog(address: string, signature: string, args: Record<string, unknown>, logIndex = 3): RawLog {
  const event = parseAbiItem(`event ${signature}`) as AbiEvent
  const indexed = event.inputs.filter((i) => i.indexed)
  const plain = event.inputs.filter((i) => !i.indexed)
  const topics = encodeEventTopics({
    abi: [event],
    eventName: event.name,
    args: Object.fromEntries(indexed.map((i) => [i.name!, args[i.name!]])),
  } as never) as string[]
  const data = encodeAbiParameters(plain, plain.map((i) => args[i.name!]))
  return { address, topics, data, logIndex, transactionHash: '0x' + '77'.repeat(32) }
}

describe('decoding protocol logs into envelopes', () => {
  it('maps DatanetCreated to its envelope with a deterministic id and block time', () => {
    const log = encodeLog(DATANETS, 'DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI)', {
      datanetId: 7n,
      owner,
      metadataURI: 'ipfs://Qm',
    })
    const result = decodeLog(31337, roles, block, log)
    expect(result).toEqual({
      ok: true,
      envelope: {
        id: `31337:${block.hash}:3`,
        type: 'DatanetCreated',
        version: 1,
        source: 'chain',
        chainId: 31337,
        block: { number: 42, hash: block.hash },
        txHash: log.transactionHash,
        logIndex: 3,
        occurredAt: '2026-11-25T12:00:00.000Z',
        payload: { datanetId: '7', owner, metadataURI: 'ipfs://Qm' },
      },
    })
  })

  it('keeps a uint256 stake exact, as a decimal string', () => {
    const stake = 2n ** 255n + 12345n
    const log = encodeLog(
      DATANETS,
      'ContributionSubmitted(uint256 indexed datanetId, uint256 indexed contributionId, address indexed contributor, bytes32 contentHash, uint256 stake)',
      { datanetId: 1n, contributionId: 99n, contributor: owner, contentHash: '0x' + 'ee'.repeat(32), stake },
    )
    const result = decodeLog(31337, roles, block, log)
    expect(result.ok && result.envelope.payload).toEqual({
      datanetId: '1',
      contributionId: '99',
      contributor: owner,
      contentHash: '0x' + 'ee'.repeat(32),
      stake: stake.toString(),
    })
  })

  it('decodes arrays (ModelRegistered datanetIds) and OpenLedger staking events', () => {
    const model = decodeLog(31337, roles, block, encodeLog(
      MODELS,
      'ModelRegistered(uint256 indexed modelId, address indexed owner, uint256 indexed baseModelId, uint256[] datanetIds, string metadataURI)',
      { modelId: 2n, owner, baseModelId: 1n, datanetIds: [3n, 10n], metadataURI: 'hf://m' },
    ))
    expect(model.ok && model.envelope.payload).toEqual({ modelId: '2', owner, baseModelId: '1', datanetIds: ['3', '10'], metadataURI: 'hf://m' })
    const staked = decodeLog(31337, roles, block, encodeLog(
      STAKING,
      'Staked(uint256 indexed stakingId, address indexed recipient, uint256 indexed amount)',
      { stakingId: 5n, recipient: owner, amount: 10n ** 18n },
    ))
    expect(staked.ok && staked.envelope.type).toBe('Staked')
    expect(staked.ok && staked.envelope.payload).toEqual({ stakingId: '5', recipient: owner, amount: (10n ** 18n).toString() })
  })

  it('refuses a log from an address it does not watch', () => {
    const log = encodeLog('0x' + '99'.repeat(20), 'DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI)', { datanetId: 1n, owner, metadataURI: '' })
    expect(decodeLog(31337, roles, block, log)).toMatchObject({ ok: false, reason: 'unknown-contract' })
  })

  it('refuses an event the contract is not known to emit', () => {
    const log = encodeLog(DATANETS, 'Transfer(address indexed from, address indexed to, uint256 value)', { from: owner, to: owner, value: 1n })
    expect(decodeLog(31337, roles, block, log)).toMatchObject({ ok: false, reason: 'unknown-event' })
  })

  it('refuses a log whose data does not decode', () => {
    const log = encodeLog(DATANETS, 'DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI)', { datanetId: 1n, owner, metadataURI: 'x' })
    expect(decodeLog(31337, roles, block, { ...log, data: '0x1234' })).toMatchObject({ ok: false, reason: 'undecodable-log' })
    expect(decodeLog(31337, roles, block, { ...log, topics: log.topics.slice(0, 2) })).toMatchObject({ ok: false, reason: 'undecodable-log' })
  })
})
