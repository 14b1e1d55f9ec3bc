// ESLint (flat config) with typescript-eslint's recommended rules, run by `npm run lint` and `npm test`.
// Not type-aware (no parserOptions.project): type-aware linting re-checks the whole program and takes
// minutes on a 2-core machine; `tsc --noEmit` already does the type checking.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.tools/', 'test-output/', 'demo-workspace/', '**/.sextant/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are unused on purpose (a callback's leading parameters, a destructured rest).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Off: tests match YAML and aligned terminal text, where `/\n  fit:/` reads better than `/\n {2}fit:/`.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/webviews/app/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
