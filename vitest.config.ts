import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (*.test.ts) and integration tests (*.int.test.ts)
// that talk to real servers started by scripts/infra.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{streams,services,clients,scripts}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{streams,services,clients,scripts,deploy,loadtests}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
