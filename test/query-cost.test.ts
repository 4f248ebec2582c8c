// The price of a document (src/server/query-cost.ts), in exact figures on the real schema,
// and the validation rule that refuses one over a limit (README "Limits"): each field costs
// 1 plus what is under it, times the expected list size when it is a list (pipelines 20,
// stages 5, releases 10, workloads 5, images 3, any other list 10); depth counts field
// nesting through fragments; aliases are counted once per definition.
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { measureQuery, queryLimitsRule } from '../src/server/query-cost.js';

const measure = (document: string) => measureQuery(schema, parse(document));
const ONE = 'pipeline(approach: HYBRID, name: "example-pipeline")';

describe('measureQuery', () => {
  it('prices a scalar under a list by the list size of that field', () => {
    // pipelines: 1 + 20 × (name: 1)
    expect(measure('{ pipelines { name } }')).toEqual({ depth: 2, complexity: 21, aliases: 0 });
    // one pipeline is not a list: 1 + 1 × 1
    expect(measure(`{ ${ONE} { name } }`)).toEqual({ depth: 2, complexity: 2, aliases: 0 });
    // a root scalar-less object field without a selection costs 1 at depth 1
    expect(measure('{ freshness { stale } }')).toEqual({ depth: 2, complexity: 2, aliases: 0 });
  });

  it('multiplies nested lists by each one\'s own size', () => {
    // images 1+3×1=4, workloads 1+5×4=21, releases 1+10×21=211, stages 1+5×211=1056, pipelines 1+20×1056
    expect(measure('{ pipelines { stages { releases { workloads { images { tag } } } } } }')).toEqual({ depth: 6, complexity: 21_121, aliases: 0 });
    expect(measure(`{ ${ONE} { stages { releases { name } } } }`)).toEqual({ depth: 4, complexity: 57, aliases: 0 });
  });

  it('prices workloads under each release kind at 5, and a list it has no size for at 10', () => {
    // workloads under Kustomization and HelmRelease: 1+5×1 each; releases 1+10×(6+6)=121; the pipeline 1+1×(1+5×121)
    expect(measure(`{ ${ONE} { stages { releases { ... on Kustomization { workloads { name } } ... on HelmRelease { workloads { name } } } } } }`)).toEqual({
      depth: 5,
      complexity: 607,
      aliases: 0,
    });
    // Stage.versions and Pipeline.diagnostics are lists of no known size: 10 each
    expect(measure(`{ ${ONE} { diagnostics { message } stages { versions { version } } } }`)).toEqual({ depth: 4, complexity: 1 + 11 + 1 + 5 * 11, aliases: 0 });
    expect(measure('{ whereDeployed(chart: "podinfo") { version } }')).toEqual({ depth: 2, complexity: 11, aliases: 0 });
  });

  it('does not price introspection fields', () => {
    expect(measure('{ __typename pipelines { __typename name } }')).toEqual({ depth: 2, complexity: 21, aliases: 0 });
    expect(measure('{ __schema { types { name fields { name } } } }')).toEqual({ depth: 0, complexity: 0, aliases: 0 });
  });

  it('prices an inline fragment as its selections, on its own type or, without one, on the enclosing type', () => {
    expect(measure('{ pipelines { ... { stages { name } } } }')).toEqual({ depth: 3, complexity: 121, aliases: 0 });
    expect(measure('{ pipelines { ... on Pipeline { stages { name } } } }')).toEqual({ depth: 3, complexity: 121, aliases: 0 });
    // A type it does not know (validation reports that) prices its fields as single objects.
    expect(measure('{ pipelines { ... on Nope { stages { name } } } }')).toEqual({ depth: 3, complexity: 41, aliases: 0 });
  });

  it('prices a named fragment where it is spread, as if written there, once per spread', () => {
    const inline = measure('{ pipelines { name stages { name } } }');
    expect(inline).toEqual({ depth: 3, complexity: 141, aliases: 0 });
    expect(measure('{ pipelines { ...F } } fragment F on Pipeline { name stages { name } }')).toEqual(inline);
    expect(measure('{ pipelines { ...F ...F } } fragment F on Pipeline { name stages { name } }')).toEqual({ depth: 3, complexity: 281, aliases: 0 });
    // The same fragment at two depths: each spread adds its depth to where it is.
    expect(measure(`{ ${ONE} { ...S stages { releases { name } } } } fragment S on Pipeline { stages { name } }`)).toEqual({ depth: 4, complexity: 1 + 6 + 56, aliases: 0 });
    expect(measure('{ ...Q } fragment Q on Query { pipelines { ...F } } fragment F on Pipeline { stages { name } }')).toEqual({ depth: 3, complexity: 121, aliases: 0 });
  });

  it('skips unknown and cyclic fragments (validation reports them) instead of failing or looping', () => {
    expect(measure('{ pipelines { ...Missing name } }')).toEqual({ depth: 2, complexity: 21, aliases: 0 });
    expect(measure('{ pipelines { ...A } } fragment A on Pipeline { ...B name } fragment B on Pipeline { ...A stages { name } }')).toEqual({
      depth: 3,
      complexity: 1 + 20 * (1 + 6),
      aliases: 0,
    });
  });

  it('prices each operation of a document on its own, answering the costliest and the deepest', () => {
    expect(measure(`query A { pipelines { name } } query B { ${ONE} { stages { releases { name } } } }`)).toEqual({ depth: 4, complexity: 57, aliases: 0 });
    expect(measure(`query B { ${ONE} { stages { releases { name } } } } query A { pipelines { name } }`)).toEqual({ depth: 4, complexity: 57, aliases: 0 });
    expect(measure('query A { pipelines { name } } query B { pipelines { stages { name } } }')).toEqual({ depth: 3, complexity: 121, aliases: 0 });
    // A subscription is priced on the Subscription type.
    expect(measure('subscription { pipeline(approach: CM, name: "x") { stages { name } } }')).toEqual({ depth: 3, complexity: 7, aliases: 0 });
  });

  it('does not price a fragment no operation spreads', () => {
    expect(measure('{ pipelines { name } } fragment Deep on Pipeline { stages { releases { workloads { images { tag } } } } }')).toEqual({
      depth: 2,
      complexity: 21,
      aliases: 0,
    });
  });

  it('counts aliases once per definition: in fields, inline fragments and named fragments, however often spread', () => {
    expect(measure(`{ a: pipelines { b: name } c: ${ONE} { name } ... on Query { d: freshness { stale } } ...F ...F } fragment F on Query { e: pipelines { f: name } }`).aliases).toBe(6);
    expect(measure('{ ...F } fragment F on Query { x: pipelines { name } y: pipelines { name } }').aliases).toBe(2);
  });
});

describe('queryLimitsRule', () => {
  const limits = { maxDepth: 3, maxComplexity: 141, maxAliases: 1 };
  const errors = (document: string) => validate(schema, parse(document), [queryLimitsRule(limits)]).map((e) => ({ message: e.message, extensions: e.extensions }));

  it('accepts a document exactly at every limit', () => {
    expect(errors('{ a: pipelines { name stages { name } } }')).toEqual([]);
  });

  it('refuses a document over each limit with its code, the figure and the limit, all at once', () => {
    expect(errors('{ a: pipelines { name stages { name releases { name } } } b: freshness { stale } }')).toEqual([
      { message: 'Query depth is 4, over the limit of 3.', extensions: { code: 'QUERY_TOO_DEEP', actual: 4, limit: 3 } },
      {
        message: 'Query complexity (estimated with list fan-out) is 1243, over the limit of 141.',
        extensions: { code: 'QUERY_TOO_COMPLEX', actual: 1243, limit: 141 },
      },
      { message: 'Query alias count is 2, over the limit of 1.', extensions: { code: 'TOO_MANY_ALIASES', actual: 2, limit: 1 } },
    ]);
  });

  it('refuses one over only the complexity limit with that one error', () => {
    expect(errors('{ pipelines { name stages { name } } freshness { stale } }')).toEqual([
      { message: 'Query complexity (estimated with list fan-out) is 143, over the limit of 141.', extensions: { code: 'QUERY_TOO_COMPLEX', actual: 143, limit: 141 } },
    ]);
  });
});
