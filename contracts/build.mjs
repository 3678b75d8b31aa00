// Compiles contracts/src/*.sol with solc-js into contracts/out/:
//   <Name>.json      { contractName, abi, bytecode } (deployment artifact)
//   <Name>.abi.json  the bare ABI (input for squid-evm-typegen)
// Skipped when every output is newer than the sources, so `npm test` stays fast.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const here = fileURLToPath(new URL('.', import.meta.url))
const srcDir = join(here, 'src')
const outDir = join(here, 'out')

const sourceFiles = readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()
if (sourceFiles.length === 0) fail(`no .sol files in ${srcDir}`)

if (upToDate()) {
  console.log('contracts: up to date')
  process.exit(0)
}

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(sourceFiles.map((f) => [f, { content: readFileSync(join(srcDir, f), 'utf8') }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
}
const output = JSON.parse(solc.compile(JSON.stringify(input)))

const diagnostics = output.errors ?? []
for (const d of diagnostics) console.error(d.formattedMessage ?? d.message)
if (diagnostics.some((d) => d.severity === 'error')) fail('compilation failed')

// Rebuild out/ from scratch so artifacts of deleted contracts do not linger.
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const written = new Set()
for (const file of sourceFiles) {
  for (const [contractName, { abi, evm }] of Object.entries(output.contracts?.[file] ?? {})) {
    if (written.has(contractName)) fail(`contract name ${contractName} is declared twice`)
    written.add(contractName)
    const artifact = { contractName, abi, bytecode: `0x${evm.bytecode.object}` }
    writeFileSync(join(outDir, `${contractName}.json`), JSON.stringify(artifact, null, 2) + '\n')
    writeFileSync(join(outDir, `${contractName}.abi.json`), JSON.stringify(abi, null, 2) + '\n')
  }
}
console.log(`contracts: compiled ${[...written].join(', ')} with solc ${solc.version()}`)

// Sources include this script and the src/ folder itself: a folder's mtime changes when a file
// is added, removed or renamed, which a comparison of file mtimes alone would miss.
function upToDate() {
  let outputs
  try {
    outputs = readdirSync(outDir).map((f) => statSync(join(outDir, f)).mtimeMs)
  } catch {
    return false
  }
  if (outputs.length === 0) return false
  const inputs = [fileURLToPath(import.meta.url), srcDir, ...sourceFiles.map((f) => join(srcDir, f))]
  return Math.max(...inputs.map((p) => statSync(p).mtimeMs)) < Math.min(...outputs)
}

function fail(message) {
  console.error(`contracts: ${message}`)
  process.exit(1)
}
