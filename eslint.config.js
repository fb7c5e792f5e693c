// ESLint 9 flat config: typed linting with typescript-eslint, rules that catch unused
// code and floating promises, and the import boundaries of docs/design-notes.md.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const NO_CLI_IN_CORE = {
  paths: [{ name: 'listr2', message: 'core reports steps through a StepRunner (src/steps.ts); the command draws them' }],
  patterns: [
    { group: ['@oclif/*'], message: 'core modules never import oclif: only src/commands, src/cli and src/base-command.ts do' },
    { group: ['**/commands/*', '**/commands', '**/base-command.js', '**/cli/*'], message: 'core never imports the command layer: arrows point down' },
  ],
}

export default tseslint.config(
  { ignores: ['dist/', 'bundle/', 'node_modules/', 'oclif.manifest.json', 'tmp/', '.vitest-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': 'error',
      'no-unused-private-class-members': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // the code's own idioms: non-null assertions after a check, `as never` at library seams
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // plain Node scripts (bin/run.js, test helpers that node runs as they are)
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly' } },
  },
  // core: everything in src/ but the command layer
  {
    files: ['src/**/*.ts'],
    ignores: ['src/commands/**', 'src/cli/**', 'src/base-command.ts'],
    rules: { 'no-restricted-imports': ['error', NO_CLI_IN_CORE] },
  },
  // the ground floor imports nothing of the project but errors, and no package
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        ...NO_CLI_IN_CORE,
        patterns: [
          ...NO_CLI_IN_CORE.patterns,
          { regex: '^(?!node:|\\./|\\.\\./errors\\.js$)', message: 'src/domain imports only ../errors.js, its own files and node: builtins' },
        ],
      }],
    },
  },
)
