import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { readmeSettingsSection, settingsHelp, settingsTable } from '../../src/settings-docs.js'
import { DEV_DEFAULTS, envSchema, SETTING_GROUPS, SETTINGS, withDevDefaults } from '../../src/settings.js'

const repoRoot = path.resolve(import.meta.dirname, '../..')
const names = Object.keys(SETTINGS)

describe('the settings declarations', () => {
  it('Given the groups, then each setting is in exactly one and the schema reads exactly the declared names', () => {
    const grouped = SETTING_GROUPS.flatMap((group) => Object.keys(group.settings))
    expect(grouped).toHaveLength(new Set(grouped).size)
    expect(new Set(grouped)).toEqual(new Set(names))
    expect(Object.keys(envSchema.shape)).toEqual(names)
  })

  it('Given an empty environment, then every default passes its own schema', () => {
    expect(() => loadConfig({})).not.toThrow()
    for (const [name, s] of Object.entries(SETTINGS)) {
      if (s.default !== undefined) expect(s.schema.safeParse(s.default).success, name).toBe(true)
      if (s.dev !== undefined) expect(s.schema.safeParse(s.dev).success, name).toBe(true)
    }
  })

  it('Given every variable set but empty, then each counts as unset', () => {
    const empty = Object.fromEntries(names.map((name) => [name, '']))
    expect(envSchema.parse(empty)).toEqual(envSchema.parse({}))
  })

  it('Given the sources, then every variable they read from an environment by name is declared', () => {
    const sources = readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.startsWith(`model${path.sep}`))
      .map((file) => readFileSync(path.join(repoRoot, 'src', file), 'utf8'))
    const read = new Set(sources.flatMap((text) => [...text.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]*)/g)].map((m) => m[1])))
    expect(read.size).toBeGreaterThan(0)
    expect([...read].filter((name) => !(name in SETTINGS))).toEqual([])
  })
})

describe("attrib dev's defaults", () => {
  it('Given an environment without them, then they apply to every part of the configuration, usage ingestion too', () => {
    expect(DEV_DEFAULTS).toEqual({ FINALITY_CONFIRMATIONS: '5', HEAD_POLL_INTERVAL_MS: '250', EPOCH_BLOCKS: '600' })
    const config = loadConfig(withDevDefaults({ USAGE_PORT: '5000', USAGE_DIR: '/tmp/usage' }))
    expect(config.projection.epochBlocks).toBe(600)
    expect(config.chain).toMatchObject({ finalityConfirmations: 5, headPollIntervalMs: 250 })
    expect(config.usage).toMatchObject({ port: 5000, dir: '/tmp/usage' })
  })

  it('Given a variable set, then it wins over the dev default; set but empty, the dev default applies', () => {
    expect(loadConfig(withDevDefaults({ EPOCH_BLOCKS: '120' })).projection.epochBlocks).toBe(120)
    expect(loadConfig(withDevDefaults({ EPOCH_BLOCKS: '' })).projection.epochBlocks).toBe(600)
  })
})

describe('the settings documentation', () => {
  it("Given README.md, then its Configuration tables are settingsTable()'s", () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
    expect(readmeSettingsSection(readme), 'README.md differs from src/settings.ts: run `npm run docs:settings`').toBe(settingsTable())
  })

  it('Given the help text, then it names every variable with its default, in lines of at most 80 characters', () => {
    const help = settingsHelp()
    for (const name of names) expect(help).toMatch(new RegExp(`^  ${name}\n`, 'm'))
    expect(help).toContain('  EPOCH_BLOCKS\n      blocks per reward epoch (43200: one day of 2-second blocks)\n      default: 43200 (attrib dev: 600)\n')
    expect(help.split('\n').filter((line) => line.length > 80)).toEqual([])
  })
})
