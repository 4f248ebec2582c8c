import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './types/node.js';
import './types/health.js';
import './types/approach.js';
import './types/image.js';
import './types/workload.js';
import './types/release.js';
import './types/stage.js';
import './types/pipeline.js';
import './types/query.js';
import './types/insights.js';
import './types/insights-query.js';
import './types/freshness.js';
import './types/subscription.js';

// The one place the schema is built; type modules above register themselves on import.
export const schema: GraphQLSchema = builder.toSchema();

/** The committed schema.graphql: sorted, so that it changes only when the API does. */
export const printSortedSchema = (): string => printSchema(lexicographicSortSchema(schema)) + '\n';
