import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['e2e/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        URL: 'readonly', fetch: 'readonly', Buffer: 'readonly', document: 'readonly', window: 'readonly',
        sessionStorage: 'readonly', localStorage: 'readonly', customElements: 'readonly', CustomEvent: 'readonly', getComputedStyle: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-globals': ['error', { name: 'location', message: 'Routing goes through src/router.ts (host routing must not touch window.location).' }],
    },
  },
);
