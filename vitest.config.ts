import { defineConfig } from 'vitest/config';

// Packages are consumed from source in tests through the "source" export condition.
const shared = { resolve: { conditions: ['source'] } };

export default defineConfig({
  test: {
    reporters: ['default', './libs/testkit/src/summary-reporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['{contracts,libs,services}/*/src/**/*.test.ts', 'contracts/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        ...shared,
        test: {
          name: 'int',
          globalSetup: ['libs/testkit/src/global-setup.ts'],
          include: ['{contracts,libs,services}/**/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
