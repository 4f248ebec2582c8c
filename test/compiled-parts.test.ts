// A listing's part document run compiled (src/server/compiled-parts.ts): answers without
// errors come from the compiled document, anything else from the interpreter it is given, so
// errors read exactly as a full execution gives them. On small schemas of its own; the same
// answers to the byte over the demo and the varied fixture are in pipeline-parts.test.ts.
import { buildSchema, execute, isAbstractType, isObjectType, parse, type ExecutionArgs, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema as serviceSchema } from '../src/schema/index.js';
import { CompiledParts, DEFAULT_MIN_ITEMS, MAX_COMPILED_FAILURES, plain } from '../src/server/compiled-parts.js';

const SDL = 'type Query { item(id: Int!): Item } type Item { id: Int! name: String tags: [String!]! }';

/** A schema whose items are named `${prefix}-<id>`; id 13 fails to read its name. */
function schemaNaming(prefix: string): GraphQLSchema {
  const schema = buildSchema(SDL);
  schema.getQueryType()!.getFields().item!.resolve = (_root, args: { id: number }) => ({ id: args.id });
  const item = schema.getType('Item') as ReturnType<GraphQLSchema['getQueryType']> & object;
  item.getFields().name!.resolve = (value: { id: number }) => {
    if (value.id === 13) throw new Error('item 13 could not be read');
    return `${prefix}-${value.id}`;
  };
  item.getFields().tags!.resolve = (value: { id: number }) => [`t${value.id}`];
  return schema;
}

const DOCUMENT = parse('query Part($id: Int!) { item(id: $id) { id name tags } }');

/** An interpreter that records what it was asked. */
function interpreter() {
  const asked: ExecutionArgs[] = [];
  return {
    asked,
    interpret: (args: ExecutionArgs) => {
      asked.push(args);
      return execute(args);
    },
  };
}

function counted() {
  const hows: string[] = [];
  return { hows, parts: new CompiledParts(1, (how) => hows.push(how)) };
}

describe('CompiledParts', () => {
  it('answers a part without errors from the compiled document, the same data as the interpreter gives', async () => {
    const schema = schemaNaming('a');
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    for (const id of [1, 2, 3]) {
      const args: ExecutionArgs = { schema, document: DOCUMENT, variableValues: { id } };
      const result = await parts.execute(args, interpret);
      expect(result).toEqual(await execute(args));
      expect(result).toEqual({ data: { item: { id, name: `a-${id}`, tags: [`t${id}`] } } });
    }
    expect(asked).toEqual([]);
    expect(hows).toEqual(['compiled', 'compiled', 'compiled']);
  });

  it('an answer with an error is the interpreter’s: its message, path, locations and partial data', async () => {
    const schema = schemaNaming('a');
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    const args: ExecutionArgs = { schema, document: DOCUMENT, variableValues: { id: 13 } };
    const result = (await parts.execute(args, interpret)) as Awaited<ReturnType<typeof execute>>;
    expect(asked).toEqual([args]);
    expect(hows).toEqual(['interpreted']);
    expect(result.data).toEqual({ item: { id: 13, name: null, tags: ['t13'] } });
    expect(result.errors?.map((e) => e.toJSON())).toEqual([{ message: 'item 13 could not be read', path: ['item', 'name'], locations: [{ line: 1, column: 44 }] }]);
  });

  it('interprets a document only, once its compiled runs have had errors 32 times', async () => {
    const schema = schemaNaming('a');
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    for (let i = 0; i < MAX_COMPILED_FAILURES - 1; i++) await parts.execute({ schema, document: DOCUMENT, variableValues: { id: 13 } }, interpret);
    // Not yet given up: a part without errors is still answered compiled.
    await parts.execute({ schema, document: DOCUMENT, variableValues: { id: 1 } }, interpret);
    expect(hows.at(-1)).toBe('compiled');
    await parts.execute({ schema, document: DOCUMENT, variableValues: { id: 13 } }, interpret);
    expect(asked).toHaveLength(MAX_COMPILED_FAILURES);
    // Given up: even a part without errors is interpreted now, and the document is not compiled again.
    const result = await parts.execute({ schema, document: DOCUMENT, variableValues: { id: 1 } }, interpret);
    expect(result).toEqual({ data: { item: { id: 1, name: 'a-1', tags: ['t1'] } } });
    expect(asked).toHaveLength(MAX_COMPILED_FAILURES + 1);
    expect(hows.filter((how) => how === 'compiled')).toHaveLength(1);
    expect(MAX_COMPILED_FAILURES).toBe(32);
  });

  it('a variable of the wrong type is the interpreter’s error too', async () => {
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    const args: ExecutionArgs = { schema: schemaNaming('a'), document: DOCUMENT, variableValues: { id: 'one' } };
    const result = (await parts.execute(args, interpret)) as Awaited<ReturnType<typeof execute>>;
    expect(asked).toHaveLength(1);
    expect(hows).toEqual(['interpreted']);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toBe('Variable "$id" got invalid value "one"; Int cannot represent non-integer value: "one"');
  });

  it('leaves a document the compiler refuses to the interpreter, every time', async () => {
    const schema = schemaNaming('a');
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    // Two operations and no name: the compiler cannot pick one; the interpreter says so.
    const args: ExecutionArgs = { schema, document: parse('query A($i: Int!) { item(id: $i) { id } } query B($i: Int!) { item(id: $i) { id } }'), variableValues: { i: 1 } };
    for (let i = 0; i < 2; i++) {
      const result = (await parts.execute(args, interpret)) as Awaited<ReturnType<typeof execute>>;
      expect(result.errors?.[0]?.message).toBe('Must provide operation name if query contains multiple operations.');
    }
    expect(asked).toHaveLength(2);
    expect(hows).toEqual(['interpreted', 'interpreted']);
  });

  it('runs the operation named, in a document of several', async () => {
    const { hows, parts } = counted();
    const { interpret } = interpreter();
    const document = parse('query A($i: Int!) { item(id: $i) { id } } query B($i: Int!) { item(id: $i) { name } }');
    const schema = schemaNaming('a');
    expect(await parts.execute({ schema, document, operationName: 'B', variableValues: { i: 2 } }, interpret)).toEqual({ data: { item: { name: 'a-2' } } });
    expect(hows).toEqual(['compiled']);
  });

  it('keeps a compiled document per schema: the same document over another schema runs that schema’s resolvers', async () => {
    const { parts } = counted();
    const { interpret } = interpreter();
    const first = await parts.execute({ schema: schemaNaming('a'), document: DOCUMENT, variableValues: { id: 1 } }, interpret);
    const second = await parts.execute({ schema: schemaNaming('b'), document: DOCUMENT, variableValues: { id: 1 } }, interpret);
    expect(first).toEqual({ data: { item: { id: 1, name: 'a-1', tags: ['t1'] } } });
    expect(second).toEqual({ data: { item: { id: 1, name: 'b-1', tags: ['t1'] } } });
  });

  it('passes the context and root value to the resolvers', async () => {
    const schema = buildSchema('type Query { who: String where: String }');
    schema.getQueryType()!.getFields().who!.resolve = (_root, _args, context: { user: string }) => context.user;
    schema.getQueryType()!.getFields().where!.resolve = (root: { place: string }) => root.place;
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    const result = await parts.execute({ schema, document: parse('{ who where }'), contextValue: { user: 'alice' }, rootValue: { place: 'dev' } }, interpret);
    expect(result).toEqual({ data: { who: 'alice', where: 'dev' } });
    expect(asked).toEqual([]);
    expect(hows).toEqual(['compiled']);
  });

  it('compiles a copy: the document it is given is left exactly as it was', async () => {
    const { hows, parts } = counted();
    const { interpret } = interpreter();
    const document = parse('query Part($id: Int!) { item(id: $id) { ...F also: name } } fragment F on Item { id name tags }');
    const before = JSON.stringify(document);
    await parts.execute({ schema: schemaNaming('a'), document, variableValues: { id: 1 } }, interpret);
    expect(hows).toEqual(['compiled']);
    expect(JSON.stringify(document)).toBe(before);
  });

  it('interprets a document that is not plain, every time, without compiling it', async () => {
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    const document = parse('query Part($id: Int!, $x: Boolean!) { item(id: $id) { id name @include(if: $x) } }');
    const schema = schemaNaming('a');
    for (const x of [true, false]) {
      const args: ExecutionArgs = { schema, document, variableValues: { id: 1, x } };
      expect(await parts.execute(args, interpret)).toEqual(await execute(args));
    }
    expect(asked).toHaveLength(2);
    expect(hows).toEqual(['interpreted', 'interpreted']);
  });

  it('interprets a part whose compiled run throws, and gives the interpreter’s answer', async () => {
    const { hows, parts } = counted();
    const { asked, interpret } = interpreter();
    // Variables that fail to be read the first time only: the compiled run throws, the interpreter reads them.
    let reads = 0;
    const variableValues = new Proxy(
      { id: 2 },
      {
        get(target, key, receiver) {
          if (key === 'id' && reads++ === 0) throw new Error('not yet');
          return Reflect.get(target, key, receiver);
        },
      },
    );
    const result = await parts.execute({ schema: schemaNaming('a'), document: DOCUMENT, variableValues }, interpret);
    expect(reads).toBeGreaterThan(1);
    expect(asked).toHaveLength(1);
    expect(hows).toEqual(['interpreted']);
    expect(result).toEqual({ data: { item: { id: 2, name: 'a-2', tags: ['t2'] } } });
  });

  it('compiles listings of 64 pipelines and more by default', () => {
    expect(DEFAULT_MIN_ITEMS).toBe(64);
    expect(new CompiledParts().minItems).toBe(64);
  });
});

describe('plain: what graphql-jit answers as the executor does', () => {
  it.each([
    ['fields, aliases, fragments and inline fragments', 'query P($id: Int!) { item(id: $id) { id n: name ...F ... on Item { tags } } } fragment F on Item { name }'],
    ['variables with default values', 'query P($id: Int! = 3, $s: String = "x") { item(id: $id) { id } }'],
    ['__typename', '{ item(id: $id) { __typename } }'],
    ['an alias with one leading underscore', '{ item(id: $id) { _n: name } }'],
  ])('plain: %s', (_what, source) => {
    expect(plain(parse(source))).toBe(true);
  });

  it.each([
    ['@include on a field', 'query P($x: Boolean!) { item(id: $id) { name @include(if: $x) } }'],
    ['@skip on a fragment spread', 'query P($x: Boolean!) { item(id: $id) { ...F @skip(if: $x) } } fragment F on Item { name }'],
    ['a directive on an inline fragment', 'query P($x: Boolean!) { item(id: $id) { ... on Item @include(if: $x) { name } } }'],
    ['a directive inside a fragment definition', 'query P($x: Boolean!) { item(id: $id) { ...F } } fragment F on Item { name @skip(if: $x) }'],
    ['a literal argument (written into the generated code)', '{ item(id: 1) { name } }'],
    ['a string argument', '{ item(id: $id) { name(format: "__MAGIC_DATE__(x)") } }'],
    ['an object argument, even of variables', '{ item(id: $id) { name(format: { a: $a }) } }'],
    ['an alias __proto__ (lost in an object literal)', '{ item(id: $id) { __proto__: name } }'],
    ['an alias beginning with two underscores', '{ item(id: $id) { __n: name } }'],
  ])('not plain: %s', (_what, source) => {
    expect(plain(parse(source))).toBe(false);
  });
});

describe('the service schema’s type resolution, which graphql-jit calls unguarded', () => {
  // A throw there after a resolver's promise would leave a compiled part unsettled (see compiled-parts.ts).
  const odd: unknown[] = [{}, { kind: 'Deployment' }, { kind: 7 }, 'HelmRelease', 0, [], Object.create(null)];
  const types = Object.values(serviceSchema.getTypeMap()).filter((t) => !t.name.startsWith('__'));

  it('resolveType of every interface and union never throws', () => {
    const abstract = types.filter(isAbstractType);
    expect(abstract.map((t) => t.name).sort()).toEqual(['Node', 'Release']);
    for (const type of abstract) for (const value of odd) expect(() => type.resolveType?.(value, {}, {} as GraphQLResolveInfo, type)).not.toThrow();
  });

  it('isTypeOf of every object type that has one never throws', () => {
    const checked = types.filter(isObjectType).filter((t) => t.isTypeOf);
    expect(checked.map((t) => t.name).sort()).toEqual(['HelmRelease', 'Kustomization']);
    for (const type of checked) for (const value of odd) expect(() => type.isTypeOf!(value, {}, {} as GraphQLResolveInfo)).not.toThrow();
  });
});
