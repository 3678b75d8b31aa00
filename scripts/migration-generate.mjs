// Usage: npm run migration:generate -- <Name>   (after `npm run build`; needs DB_URL with migrations applied)
// Writes db/migrations/<timestamp>-<Name>.js with the SQL that brings the database to the entities generated
// from schema.graphql (the `sqd migration:generate` step of a squid). Amount columns become numeric(78,0).
import { writeFileSync } from 'node:fs'
import { openDatabase } from '../lib/db/data-source.js'
import { pendingSchemaChanges } from '../lib/db/schema-drift.js'

const name = process.argv[2]
if (!/^[A-Z][A-Za-z0-9]*$/.test(name ?? '')) {
  console.error('usage: npm run migration:generate -- <PascalCaseName>')
  process.exit(1)
}
const ds = await openDatabase(process.env.DB_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const { up: upQueries, down: downQueries } = await pendingSchemaChanges(ds)
await ds.destroy()
if (upQueries.length === 0) {
  console.log('the database already matches the entities: nothing to generate')
  process.exit(0)
}
// Amount columns are uint256 wei.
const wei = (sql) => sql.replaceAll('numeric NOT NULL', 'numeric(78,0) NOT NULL').replaceAll('numeric,', 'numeric(78,0),')
// Unqualified names: `attrib replay` runs the migrations into a fresh schema, not into public.
const unqualified = (sql) => sql.replaceAll('"public".', '')
const statement = (q) => `    await db.query(${JSON.stringify(unqualified(wei(q.query)))})`
const timestamp = Date.now()
const file = `db/migrations/${timestamp}-${name}.js`
writeFileSync(
  file,
  `export class ${name}${timestamp} {
  name = '${name}${timestamp}'

  async up(db) {
${upQueries.map(statement).join('\n')}
  }

  async down(db) {
${downQueries.reverse().map(statement).join('\n')}
  }
}
`,
)
console.log(`wrote ${file}`)
