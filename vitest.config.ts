import { defineConfig } from 'vitest/config'

/**
 * Two projects: `unit` (pure logic, no services) and `services` (`*.int.test.ts`, `*.e2e.test.ts`: real
 * PostgreSQL, Apache Kafka and anvil, started by the global setup when they are not already running).
 * One tier alone: `npx vitest run --project unit`, `npx vitest run --project services e2e`.
 */
export default defineConfig({
  test: {
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
        },
      },
    ],
  },
})
