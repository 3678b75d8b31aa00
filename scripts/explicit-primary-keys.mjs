// Usage: node scripts/explicit-primary-keys.mjs <dir>
// squid-typeorm-codegen's `@PrimaryColumn_()` leaves the column type to TypeScript's decorator metadata, and
// that metadata reads imported entity classes while the modules are still loading: under Node ESM, with
// entities importing each other, that throws "Cannot access X before initialization". So the project builds
// without decorator metadata, and this step names the primary key's type (varchar, as squid's ids are) instead.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node scripts/explicit-primary-keys.mjs <dir>')
  process.exit(1)
}
const IMPORT = 'import {PrimaryColumn as PrimaryKey_} from "typeorm"\n'
for (const name of readdirSync(dir).filter((f) => f.endsWith('.model.ts'))) {
  const file = join(dir, name)
  const source = readFileSync(file, 'utf8')
  if (!source.includes('@PrimaryColumn_()')) continue
  writeFileSync(file, IMPORT + source.replaceAll('@PrimaryColumn_()', "@PrimaryKey_('varchar')"))
}
