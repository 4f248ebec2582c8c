import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../src/schema/index.js';

describe('schema.graphql', () => {
  it('matches the schema the code builds (regenerate with `npm run schema`)', async () => {
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    const built = printSortedSchema();
    if (committed !== built) {
      expect.fail('schema.graphql is out of date with the code: run `npm run schema` and commit the result.');
    }
  });

  it('describes every type, field and argument', async () => {
    const { schema } = await import('../src/schema/index.js');
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
