// Usage: node scripts/keys-in-byte-order.mjs <dir>   (after explicit-primary-keys.mjs)
// An attribution edge's key is `<settlement block>-<inference id>-<contribution id>`, compared byte by byte (COLLATE "C") so that
// an inference's edges are one range of it and the key's index finds them without an index of their own
// (src/api/entities/settlement.ts, edgesOfInference; db/migrations, EdgeKeyInByteOrder and EdgeKeyBySettlementBlock).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const BYTE_ORDER = ['attributionEdge']

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node scripts/keys-in-byte-order.mjs <dir>')
  process.exit(1)
}
for (const entity of BYTE_ORDER) {
  const file = join(dir, `${entity}.model.ts`)
  const source = readFileSync(file, 'utf8')
  const key = "@PrimaryKey_('varchar')\n    id!: string"
  if (!source.includes(key)) throw new Error(`${file}: no varchar primary key id`)
  writeFileSync(file, source.replace(key, "@PrimaryKey_('varchar', {collation: 'C'})\n    id!: string"))
}
