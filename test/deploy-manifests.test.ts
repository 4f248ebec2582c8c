// The image and the Deployment only ever meet in a cluster, and no test here builds the image:
// this checks, from the files themselves, that what the container runs is the service with
// flags it accepts. A Kubernetes `args:` replaces the image's CMD and keeps its ENTRYPOINT,
// so with node in CMD the pod ran `node --source kube …` and crash-looped.
import { readFileSync } from 'node:fs';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../src/config.js';

const root = new URL('../', import.meta.url);

/** The exec-form (JSON array) value of the last `instruction` in the Dockerfile: the one that holds. */
function execForm(dockerfile: string, instruction: 'ENTRYPOINT' | 'CMD'): string[] {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${instruction} `));
  expect(lines.length, `${instruction} in the Dockerfile`).toBeGreaterThan(0);
  return JSON.parse(lines.at(-1)!.slice(instruction.length + 1)) as string[];
}

describe('the image and deploy/deployment.yaml', () => {
  it('runs the service itself, with the image default and the Deployment args as its flags', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    const deployment = jsyaml.load(readFileSync(new URL('deploy/deployment.yaml', root), 'utf8')) as any;
    const api = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === 'api');
    expect(execForm(dockerfile, 'ENTRYPOINT')).toEqual(['node', 'dist/src/main.js']);
    expect(api.command).toBeUndefined();
    for (const args of [execForm(dockerfile, 'CMD'), api.args as string[]]) {
      const config = parseServerConfig(args, {});
      expect(config).not.toBe('help');
      expect(config === 'help' ? null : config.source).toMatchObject({ type: 'kube' });
    }
  });
});
