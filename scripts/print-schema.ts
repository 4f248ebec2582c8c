import { printSortedSchema } from '../src/schema/index.js';

// `npm run schema` writes this to schema.graphql; a test fails when the two differ.
process.stdout.write(printSortedSchema());
