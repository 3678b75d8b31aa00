// Usage: node scripts/derived-without-foreign-keys.mjs <dir>
// The tables the attribution path writes in bulk (several rows per settled inference) get no foreign key
// constraints: their references come from rows the same projector transaction has just read or written, and
// each foreign key costs a lookup per inserted row (measured: 4 foreign keys on attribution_edge made a
// 16,000-row insert 3.5x slower). Tables written once per on-chain event keep theirs as a safety net.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const BULK_ENTITIES = [
  'attributionEdge',
  'attributionEpochStat',
  'inference',
  'contributorEpochStat',
  'datanetEpochStat',
  'modelEpochStat',
  'agentEpochStat',
  'epochPayout',
]

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node scripts/derived-without-foreign-keys.mjs <dir>')
  process.exit(1)
}
for (const entity of BULK_ENTITIES) {
  const file = join(dir, `${entity}.model.ts`)
  const source = readFileSync(file, 'utf8')
  const rewritten = source.replace(/@ManyToOne_\((\(\) => \w+), \{nullable: (true|false)\}\)/g, '@ManyToOne_($1, {nullable: $2, createForeignKeyConstraints: false})')
  if (!rewritten.includes('createForeignKeyConstraints: false')) throw new Error(`${file}: no relation to rewrite`)
  writeFileSync(file, rewritten)
}
