// A listing's part document run compiled (src/server/compiled-parts.ts): answers without
// errors come from the compiled document, anything else from the interpreter it is given, so
// errors read exactly as a full execution gives them. On small schemas of its own; the same
// answers to the byte over the demo and the varied fixture are in pipeline-parts.test.ts.
import { buildSchema, execute, parse, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CompiledParts } from '../src/server/compiled-parts.js';

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
  return { hows, parts: new CompiledParts((how) => hows.push(how)) };
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
    const args: ExecutionArgs = { schema, document: parse('query A { item(id: 1) { id } } query B { item(id: 2) { id } }') };
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
    const document = parse('query A { item(id: 1) { id } } query B { item(id: 2) { name } }');
    const schema = schemaNaming('a');
    expect(await parts.execute({ schema, document, operationName: 'B' }, interpret)).toEqual({ data: { item: { name: 'a-2' } } });
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
    const { parts } = counted();
    const { interpret } = interpreter();
    const result = await parts.execute({ schema, document: parse('{ who where }'), contextValue: { user: 'alice' }, rootValue: { place: 'dev' } }, interpret);
    expect(result).toEqual({ data: { who: 'alice', where: 'dev' } });
  });
});
