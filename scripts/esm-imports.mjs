// Usage: node scripts/esm-imports.mjs <dir>
// Code generators (squid-evm-typegen, squid-typeorm-codegen) emit extensionless relative imports,
// which Node ESM ("module": "NodeNext") does not resolve. This rewrites every relative import/export
// specifier in the .ts files under <dir> to name the emitted file: './x' -> './x.js' when x.ts exists,
// './dir' -> './dir/index.js' when dir/index.ts exists. Specifiers that already resolve are left alone,
// so running it twice changes nothing.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const root = process.argv[2]
if (!root || !existsSync(root) || !statSync(root).isDirectory()) {
  console.error('usage: node scripts/esm-imports.mjs <dir>')
  process.exit(1)
}

// `from '...'`, `import '...'` and `import('...')`, with a specifier starting with ./ or ../ (or . / ..).
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?(?:\/[^'"]*)?)\2/g
const TS_SOURCE = /\.tsx?$/
const RESOLVED = /\.(?:js|mjs|cjs|json)$/
const DIRECTORY = /(?:^|\/)\.{0,2}$/ // '.', '..', './', 'a/..': never a file name

let changed = 0
for (const file of tsFiles(resolve(root))) {
  const before = readFileSync(file, 'utf8')
  const after = before.replace(SPECIFIER, (match, prefix, quote, specifier) => {
    const target = rewrite(dirname(file), specifier)
    return target === specifier ? match : `${prefix}${quote}${target}${quote}`
  })
  if (after !== before) {
    writeFileSync(file, after)
    changed++
  }
}
console.log(`esm-imports: rewrote ${changed} file(s) under ${root}`)

function rewrite(fromDir, specifier) {
  const base = join(fromDir, specifier)
  if (!DIRECTORY.test(specifier) && ['.ts', '.tsx'].some((ext) => existsSync(base + ext))) return `${specifier}.js`
  if (['index.ts', 'index.tsx'].some((f) => existsSync(join(base, f)))) {
    return `${specifier.replace(/\/$/, '')}/index.js`
  }
  if (!RESOLVED.test(specifier)) console.warn(`esm-imports: cannot resolve '${specifier}' from ${fromDir}`)
  return specifier
}

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* tsFiles(path)
    else if (TS_SOURCE.test(entry.name)) yield path
  }
}
