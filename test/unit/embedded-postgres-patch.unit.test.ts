import { describe, expect, it } from 'vitest'
import { installedPgliteSocketVersion, PATCHED_PGLITE_SOCKET_VERSION } from '../../src/db/embedded-postgres.js'

describe('the pglite-socket patch (electric-sql/pglite#1046)', () => {
  it('Given the installed pglite-socket, then it is the release the patch was written for (attrib dev refuses to start otherwise)', () => {
    expect(installedPgliteSocketVersion()).toBe(PATCHED_PGLITE_SOCKET_VERSION)
  })
})
