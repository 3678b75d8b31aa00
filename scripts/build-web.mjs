// Bundles the web explorer (web/) into lib/web/ for the API to serve at `/`: one script and one stylesheet,
// every dependency (cytoscape, @openzeppelin/merkle-tree) included, so the pages load nothing from elsewhere.
import { build } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'lib/web')
await mkdir(path.join(out, 'explorer'), { recursive: true })
await build({
  entryPoints: [path.join(root, 'web/src/main.ts')],
  outfile: path.join(out, 'explorer/app.js'),
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
