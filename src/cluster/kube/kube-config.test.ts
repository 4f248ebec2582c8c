import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.js';
import { loadKubeConfig } from './kube-config.js';

let dir: string;

/** A kubeconfig file with one context per entry; the first one is current unless `current` says otherwise. */
function kubeconfig(file: string, entries: { name: string; server: string; token: string }[], current: string | null = entries[0]?.name ?? null): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: entries.map((e) => ({ name: e.name, cluster: { server: e.server } })),
      users: entries.map((e) => ({ name: e.name, user: { token: e.token } })),
      contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: e.name } })),
      ...(current ? { 'current-context': current } : {}),
    }),
  );
  return path;
}

const choice = (kubeconfig: string | null, context: string | null = null) => ({ kubeconfig, context });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kube-config-'));
});

describe('loadKubeConfig', () => {
  it('uses the current context of one file, or the one --context names', () => {
    const path = kubeconfig('two.yaml', [
      { name: 'staging', server: 'https://staging.example:6443', token: 't1' },
      { name: 'prod', server: 'https://prod.example:6443', token: 't2' },
    ]);
    expect(loadKubeConfig(choice(path)).getCurrentCluster()?.server).toBe('https://staging.example:6443');
    expect(loadKubeConfig(choice(path, 'prod')).getCurrentCluster()?.server).toBe('https://prod.example:6443');
  });

  it('merges a KUBECONFIG list as kubectl does: the first file to set a name or the current context wins', () => {
    const first = kubeconfig('first.yaml', [{ name: 'shared', server: 'https://first.example', token: 'a' }]);
    const second = kubeconfig('second.yaml', [
      { name: 'shared', server: 'https://second.example', token: 'b' },
      { name: 'only-second', server: 'https://only-second.example', token: 'c' },
    ], 'only-second');
    const kc = loadKubeConfig(choice([first, second].join(delimiter)));
    expect(kc.getCurrentContext()).toBe('shared');
    expect(kc.getCurrentCluster()?.server).toBe('https://first.example');
    expect(kc.getCurrentUser()?.token).toBe('a');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['shared', 'only-second']);
    expect(loadKubeConfig(choice([first, second].join(delimiter), 'only-second')).getCurrentCluster()?.server).toBe('https://only-second.example');
  });

  it('takes the current context from a later file when the first sets none, and skips files that do not exist', () => {
    const bare = kubeconfig('bare.yaml', [{ name: 'bare', server: 'https://bare.example', token: 'a' }], null);
    const later = kubeconfig('later.yaml', [{ name: 'later', server: 'https://later.example', token: 'b' }]);
    const kc = loadKubeConfig(choice([join(dir, 'missing.yaml'), bare, later].join(delimiter)));
    expect(kc.getCurrentContext()).toBe('later');
  });

  it.each([
    ['no file of the list exists', () => choice(join(dir, 'nope.yaml')), /kubeconfig not found: .*nope\.yaml/],
    ['a context it does not have', () => choice(kubeconfig('one.yaml', [{ name: 'one', server: 'https://one.example', token: 'a' }]), 'two'), /no context "two" \(it has: one\)/],
    ['no current context and no --context', () => choice(kubeconfig('none.yaml', [{ name: 'x', server: 'https://x.example', token: 'a' }], null)), /no current context.*--context/],
    ['a file that is not a kubeconfig', () => { writeFileSync(join(dir, 'bad.yaml'), 'clusters: [\n'); return choice(join(dir, 'bad.yaml')); }, /cannot load kubeconfig .*bad\.yaml/],
    ['nothing to go on', () => choice(null), /no kubeconfig: set KUBECONFIG or --kubeconfig/],
  ])('names what is wrong when %s', (_what, make, message) => {
    expect(() => loadKubeConfig(make())).toThrow(ConfigError);
    expect(() => loadKubeConfig(make())).toThrow(message);
  });

  it('reports where a kubeconfig is malformed without quoting it (its lines hold tokens)', () => {
    const path = join(dir, 'leaky.yaml');
    writeFileSync(path, 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: TOKEN-CANARY-31337\n   bad: [\n');
    expect(() => loadKubeConfig(choice(path))).toThrow(/cannot load kubeconfig .*leaky\.yaml: invalid YAML at line 6, column 4: bad indentation/);
    expect(() => loadKubeConfig(choice(path))).not.toThrow(/TOKEN-CANARY/);
  });

  it('reads a pod\'s service account (token file, CA, KUBERNETES_SERVICE_HOST/PORT) when told it runs in a cluster', () => {
    const root = join(dir, 'pod');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'pod-token');
    writeFileSync(join(sa, 'ca.crt'), 'not really a CA');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const kc = loadKubeConfig({ kubeconfig: null, context: null, inCluster: true, inClusterRoot: root });
      expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.96.0.1:443', caFile: join(sa, 'ca.crt') });
      expect(kc.getCurrentUser()?.authProvider?.config?.tokenFile).toBe(join(sa, 'token'));
    } finally {
      for (const [key, value] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
