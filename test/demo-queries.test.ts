import { beforeAll } from 'vitest';
import { defineDemoQuerySuite } from './queries/demo-expectations.js';
import { appFor, demoSource } from './support/demo-app.js';
import { clientFor, type GraphQLClient } from './support/graphql-client.js';

let client: GraphQLClient;

beforeAll(async () => {
  client = clientFor(appFor(await demoSource()));
});

defineDemoQuerySuite('built-in demo snapshot', () => client);
