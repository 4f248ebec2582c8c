import type { CodegenConfig } from '@graphql-codegen/cli';

// Types every operation of the page from schema.graphql. An operation that no longer fits the
// schema fails here (validation) or in `tsc -p web` (its result no longer has the fields used),
// so `npm run build` fails instead of the page breaking at run time.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.ts', 'web/src/**/*.tsx', '!web/src/gql/**'],
  ignoreNoDocuments: false,
  silent: true,
  errorsOnly: true,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      // Operations as plain strings with their types attached: no GraphQL parser in the bundle.
      config: { documentMode: 'string', enumsAsTypes: true, useTypeImports: true, skipTypename: false },
    },
  },
};

export default config;
