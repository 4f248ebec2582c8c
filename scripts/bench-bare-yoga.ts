#!/usr/bin/env node
/**
 * The yardstick for `npm run bench`: graphql-yoga with nothing but `{ hello }`, on a plain
 * node:http server, run as its own process on the same Node as the service. What the
 * service costs beyond this is what the service itself adds (schema, limits, logging,
 * reading the cluster). Prints `{"port":N}` on stdout once it listens on 127.0.0.1.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  }),
  graphiql: false,
  logging: false,
});

const server = createServer(yoga);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
