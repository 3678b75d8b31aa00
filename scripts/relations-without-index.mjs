// Usage: node scripts/relations-without-index.mjs <dir>
// squid-typeorm-codegen indexes every relation. On the tables written per attribution, each index costs a
// B-tree insert per row (measured: 6 B-trees on attribution_edge made a 1M-row insert 3x slower than 2), so
// these relations go without one: the API finds their rows through another table (docs/performance.md).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const UNINDEXED = {
  // An inference's edges are a range of the edge's key; a contributor's or a datanet's are those of its
  // contributions (src/api/entities/settlement.ts).
  attributionEdge: ['inference', 'contributor', 'datanet'],
}

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node scripts/relations-without-index.mjs <dir>')
  process.exit(1)
}
for (const [entity, relations] of Object.entries(UNINDEXED)) {
  const file = join(dir, `${entity}.model.ts`)
  let source = readFileSync(file, 'utf8')
  for (const relation of relations) {
    const indexed = new RegExp(`\\n    @Index_\\(\\)\\n(    @ManyToOne_\\([^\\n]*\\)\\n    ${relation}!:)`)
    if (!indexed.test(source)) throw new Error(`${file}: no indexed relation ${relation}`)
    source = source.replace(indexed, '\n$1')
  }
  writeFileSync(file, source)
}
