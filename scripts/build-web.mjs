// Bundles the web explorer (web/) into lib/web/ for the API to serve at `/`: its script, the chunks only some
// pages load (cytoscape, for the lineage page) and one stylesheet, every dependency included, so the pages
// load nothing from elsewhere.
import { build } from 'esbuild'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'lib/web')
await rm(path.join(out, 'explorer'), { recursive: true, force: true })
await mkdir(path.join(out, 'explorer'), { recursive: true })
await build({
  entryPoints: [path.join(root, 'web/src/main.ts')],
  outdir: path.join(out, 'explorer'),
  entryNames: 'app',
  chunkNames: 'chunk-[hash]',
  splitting: true,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
})
await copyFile(path.join(root, 'web/index.html'), path.join(out, 'index.html'))
