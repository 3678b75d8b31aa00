import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'

const RPC = { RPC_ENDPOINT: 'https://rpc.example.invalid' }

describe('the chain part of loadConfig', () => {
  it('Given no NETWORK, then the chain is custom: CHAIN_ID (31337 by default), final after 10 blocks', () => {
    expect(loadConfig({}).chain).toMatchObject({ network: 'custom', chainId: 31337, finalityConfirmations: 10 })
    expect(loadConfig({ CHAIN_ID: '8453', FINALITY_CONFIRMATIONS: '64' }).chain).toMatchObject({
      network: 'custom',
      chainId: 8453,
      finalityConfirmations: 64,
    })
  })

  it.each([
    ['openledger-mainnet', 1612, 300],
    ['openledger-testnet', 161201, 150],
    ['anvil', 31337, 10],
  ])('Given NETWORK=%s, then the preset gives chain %i, final after %i blocks', (network, chainId, confirmations) => {
    expect(loadConfig({ NETWORK: network, ...RPC }).chain).toMatchObject({ network, chainId, finalityConfirmations: confirmations })
  })

  it('Given a preset and FINALITY_CONFIRMATIONS, then the variable wins, including 0 (every block final)', () => {
    expect(loadConfig({ NETWORK: 'openledger-mainnet', FINALITY_CONFIRMATIONS: '900', ...RPC }).chain.finalityConfirmations).toBe(900)
    expect(loadConfig({ NETWORK: 'anvil', FINALITY_CONFIRMATIONS: '0' }).chain.finalityConfirmations).toBe(0)
  })

  it('Given an OpenLedger network without RPC_ENDPOINT, then loading fails naming the variable; anvil needs none', () => {
    expect(() => loadConfig({ NETWORK: 'openledger-mainnet' })).toThrow(/NETWORK=openledger-mainnet needs RPC_ENDPOINT/)
    expect(() => loadConfig({ NETWORK: 'openledger-testnet' })).toThrow(/RPC_ENDPOINT/)
    expect(loadConfig({ NETWORK: 'anvil' }).chain.rpcEndpoint).toBe('http://127.0.0.1:8545')
    expect(loadConfig({ NETWORK: 'openledger-testnet', ...RPC }).chain.rpcEndpoint).toBe(RPC.RPC_ENDPOINT)
  })

  it('Given a preset and a CHAIN_ID that contradicts it, then loading fails; the same id is accepted', () => {
    expect(() => loadConfig({ NETWORK: 'openledger-mainnet', CHAIN_ID: '161201', ...RPC })).toThrow(/chain 1612, but CHAIN_ID is 161201/)
    expect(loadConfig({ NETWORK: 'openledger-mainnet', CHAIN_ID: '1612', ...RPC }).chain.chainId).toBe(1612)
  })

  it('Given an unknown NETWORK, then loading fails naming the variable', () => {
    expect(() => loadConfig({ NETWORK: 'openledger' })).toThrow(/NETWORK/)
  })

  it('Given <ROLE>_START_BLOCK for some contracts, then those start there and the others at START_BLOCK', () => {
    const chain = loadConfig({ START_BLOCK: '1000', DATANET_REGISTRY_START_BLOCK: '1200', STAKING_START_BLOCK: '0' }).chain
    expect(chain.contractStartBlocks).toEqual({
      datanets: 1200,
      models: 1000,
      agents: 1000,
      nodes: 1000,
      settlement: 1000,
      rewards: 1000,
      staking: 0,
    })
    expect(Object.values(loadConfig({}).chain.contractStartBlocks)).toEqual([0, 0, 0, 0, 0, 0, 0])
    expect(() => loadConfig({ SETTLEMENT_START_BLOCK: '-1' })).toThrow(/SETTLEMENT_START_BLOCK/)
  })

  it('Given no port settings, then metrics are on 9464 and the processor picks its own port; METRICS_PORT=0 turns ours off', () => {
    expect(loadConfig({}).chain).toMatchObject({ metricsPort: 9464, processorPrometheusPort: 0 })
    expect(loadConfig({ METRICS_PORT: '0', PROCESSOR_PROMETHEUS_PORT: '9465' }).chain).toMatchObject({
      metricsPort: 0,
      processorPrometheusPort: 9465,
    })
    expect(() => loadConfig({ METRICS_PORT: '65536' })).toThrow(/METRICS_PORT/)
  })
})

describe('the API part of loadConfig', () => {
  it('Given no GQL_* limits, then none is set (the server applies its defaults); given them, they reach the API', () => {
    expect(loadConfig({}).api).toMatchObject({
      port: 4350,
      workers: 1,
      maxDepth: undefined,
      maxCost: undefined,
      maxReadyLag: undefined,
      responseCacheEntries: 1_000,
      poolSize: 10,
      statementTimeoutMs: 5_000,
      preparedStatements: true,
    })
    expect(
      loadConfig({ GQL_MAX_DEPTH: '8', GQL_MAX_COST: '500', GQL_READY_MAX_LAG: '0', GQL_WORKERS: '2', GQL_RESPONSE_CACHE: '0' }).api,
    ).toMatchObject({ maxDepth: 8, maxCost: 500, maxReadyLag: 0, workers: 2, responseCacheEntries: 0 })
    expect(() => loadConfig({ GQL_MAX_COST: '0' })).toThrow(/GQL_MAX_COST/)
    expect(() => loadConfig({ GQL_WORKERS: '0' })).toThrow(/GQL_WORKERS/)
  })
})
