// `npm run docs:settings`: writes the settings tables (src/settings.ts) into README.md, between its markers.
import { readFile, writeFile } from 'node:fs/promises'
import { withSettingsSection } from '../src/settings-docs.js'

const readme = new URL('../README.md', import.meta.url)
await writeFile(readme, withSettingsSection(await readFile(readme, 'utf8')))
