// A local anvil chain for the tests: reuses one that already answers at the URL, otherwise starts one.
import { answersChainId, startAnvil } from '../../src/dev/anvil.js'

export interface RunningService {
  url: string
  startedHere: boolean
  stop(): Promise<void>
}

export async function ensureAnvil(options: { url?: string } = {}): Promise<RunningService> {
  const url = options.url ?? process.env.RPC_ENDPOINT ?? 'http://127.0.0.1:8545'
  if (await answersChainId(url)) return { url, startedHere: false, stop: async () => {} }
  return { ...(await startAnvil(url)), startedHere: true }
}
