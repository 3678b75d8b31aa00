// Transpiles src/**/*.ts into lib/ file by file (the layout tsc would write), without type checking: about a
// second where tsc takes half a minute, so `npm start` on a fresh clone gets to its first data sooner.
// `npm run typecheck` (part of `npm test`) is where the types are checked.
import { build } from 'esbuild'
import { readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const lib = path.join(root, 'lib')

const sources = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f))
// lib/web is the explorer's bundle (scripts/build-web.mjs); everything else in lib/ is written here.
for (const entry of await readdir(lib).catch(() => [])) {
  if (entry !== 'web') await rm(path.join(lib, entry), { recursive: true, force: true })
}
await build({
  entryPoints: sources,
  outdir: lib,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  tsconfig: path.join(root, 'tsconfig.json'),
  logLevel: 'warning',
})
