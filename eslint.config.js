// Type-aware lint for the whole repository.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Boundaries (docs/architecture.md): a service imports only `shared/`, `clients/` and itself; a client
 * only `shared/` and `clients/`. `up.ts` and `cli.ts` wire the services together and are not
 * restricted. Matched on the import's text: a relative path climbing into another top-level folder.
 */
const SERVICES = ['bridge', 'collector', 'scheduler', 'web'];
const ROOT_MODULES = ['up', 'cli', 'upConfig'];

function boundary(folder) {
  const others = SERVICES.filter((s) => s !== folder);
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(src/)?(${others.join('|')})(/|$)`,
              message: `src/${folder}/ imports only shared/, clients/ and itself: reach another service through its client (src/clients/) or a port passed in by up.ts.`,
            },
            {
              regex: `^(\\.\\./)+(${ROOT_MODULES.join('|')})\\.ts$`,
              message: 'up.ts and cli.ts wire the services; nothing imports them.',
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  {
    // Tests read parsed XML / JSON documents structurally.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...SERVICES.map((service) => boundary(service)),
  boundary('clients'),
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
