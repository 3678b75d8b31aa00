import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package's root folder, whether this code runs from src/ (tests) or lib/ (built). */
export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)))

function findRoot(dir: string): string {
  if (existsSync(path.join(dir, 'package.json'))) return dir
  const parent = path.dirname(dir)
  if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
  return findRoot(parent)
}
