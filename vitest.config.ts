import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The workspace packages' `exports` point at `dist/` (what npm users get) and, under this
 * condition, at their TypeScript sources: tests run the sources, no build needed.
 */
const SOURCE_CONDITION = '@gatehouse/source';
// Processes the tests start (`node --import tsx …`: the CLI, cluster nodes, examples) inherit it.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`]
  .filter(Boolean)
  .join(' ');

export default defineConfig({
  // Tests run in Vite's server-side environment: its resolver is the one that needs the condition.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'bench/test/**/*.test.ts',
          ],
          exclude: ['**/*.timing.test.ts', '**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Store suites share one PostgreSQL and one Redis; each file uses its own schema/prefix.
          fileParallelism: true,
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: ['packages/*/test/**/*.timing.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['packages/*/test/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
