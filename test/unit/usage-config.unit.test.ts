import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'

describe('the usage part of loadConfig', () => {
  it('Given no USAGE_* variables, then the defaults apply: port 4351, 1 MiB bodies, no auth, no folder', () => {
    expect(loadConfig({}).usage).toMatchObject({ port: 4351, maxBodyBytes: 1 << 20, authToken: undefined, dir: undefined })
  })

  it('Given empty optional variables, then they count as unset', () => {
    expect(loadConfig({ USAGE_DIR: '', USAGE_AUTH_TOKEN: '' }).usage).toMatchObject({ dir: undefined, authToken: undefined })
  })

  it('Given a short token or a port out of range, then loading fails naming the variable', () => {
    expect(() => loadConfig({ USAGE_AUTH_TOKEN: 'short' })).toThrow(/USAGE_AUTH_TOKEN/)
    expect(() => loadConfig({ USAGE_PORT: '70000' })).toThrow(/USAGE_PORT/)
  })
})
