import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RESOURCES } from '../src/cluster/resources.js';
import { ROOT } from './support/processes.js';

describe('deploy/clusterrole.yaml', () => {
  it('grants get, list and watch on exactly the kinds the service reads, nothing more', async () => {
    const role = parse(await readFile(join(ROOT, 'deploy/clusterrole.yaml'), 'utf8')) as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = role.rules.flatMap((rule) => {
      expect(rule.verbs).toEqual(['get', 'list', 'watch']);
      return rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`));
    });
    const read = Object.values(RESOURCES).map((r) => `${r.group}/${r.plural}`);
    expect([...granted].sort()).toEqual([...read].sort());
  });
});
