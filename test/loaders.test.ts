// The per-request loaders (src/cluster/loaders.ts), driven through a fake at the reader
// interface: each distinct read is made once per request, reads of one kind are batched
// per namespace (one all-namespaces list answers every namespace asked with it), the
// lookups fall back to listing and filtering when the reader has no index, and every
// read after the request's deadline (or its client going away) is DEADLINE_EXCEEDED.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterLoaders } from '../src/cluster/loaders.js';
import type { KubeObject } from '../src/cluster/kube-object.js';
import type { ClusterReader } from '../src/cluster/reader.js';
import type { ResourceKind } from '../src/cluster/resources.js';
import { PipelineApiError } from '../src/errors.js';
import { rejection } from './support/rejection.js';

const obj = (namespace: string | undefined, name: string, labels?: Record<string, string>, status?: unknown): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(labels ? { labels } : {}) },
  ...(status === undefined ? {} : { status }),
});

/** A reader that only lists (no indexes), recording every call. */
function listingReader(objects: KubeObject[], fail?: (namespace: string | null) => unknown) {
  const calls: { kind: ResourceKind; namespace: string | null; signal: AbortSignal | undefined }[] = [];
  const reader: ClusterReader = {
    async list(kind, namespace, options) {
      calls.push({ kind, namespace, signal: options?.signal });
      const failure = fail?.(namespace);
      if (failure !== undefined) throw failure;
      return namespace === null ? objects : objects.filter((o) => o.metadata.namespace === namespace);
    },
  };
  return { reader, calls };
}

const A_X = obj('a', 'x', { app: 'web', tier: 'front' });
const A_Z = obj('a', 'z', { app: 'web' });
const B_Y = obj('b', 'y', { app: 'web', tier: 'front' });
const GLOBAL = obj(undefined, 'n', { app: 'web', tier: 'front' });
const UNLABELLED = obj('a', 'plain');
const ALL = [B_Y, A_Z, UNLABELLED, A_X, GLOBAL];

afterEach(() => {
  vi.useRealTimers();
});

describe('list', () => {
  it('batches the namespaces of one kind asked in the same tick into one call each, passing the signal', async () => {
    const { reader, calls } = listingReader(ALL);
    const signal = new AbortController().signal;
    const loaders = new ClusterLoaders(reader, signal);
    const [a, b, again] = await Promise.all([loaders.list('ConfigMap', 'a'), loaders.list('ConfigMap', 'b'), loaders.list('ConfigMap', 'a')]);
    expect(a).toEqual([A_Z, UNLABELLED, A_X]);
    expect(b).toEqual([B_Y]);
    expect(again).toBe(a);
    expect(calls).toEqual([
      { kind: 'ConfigMap', namespace: 'a', signal },
      { kind: 'ConfigMap', namespace: 'b', signal },
    ]);
  });

  it('answers every namespace asked together with an all-namespaces list from that one list', async () => {
    const { reader, calls } = listingReader(ALL);
    const loaders = new ClusterLoaders(reader);
    const [all, a, b] = await Promise.all([loaders.list('ConfigMap', null), loaders.list('ConfigMap', 'a'), loaders.list('ConfigMap', 'b')]);
    expect(all).toEqual(ALL);
    expect(a).toEqual([A_Z, UNLABELLED, A_X]);
    expect(b).toEqual([B_Y]);
    expect(calls).toEqual([{ kind: 'ConfigMap', namespace: null, signal: undefined }]);
  });

  it('keeps kinds apart', async () => {
    const { reader, calls } = listingReader(ALL);
    const loaders = new ClusterLoaders(reader);
    await Promise.all([loaders.list('ConfigMap', 'a'), loaders.list('Deployment', 'a')]);
    expect(calls.map((c) => c.kind)).toEqual(['ConfigMap', 'Deployment']);
  });

  it('fails only the namespace whose list failed, with the reader\'s own error', async () => {
    const boom = new PipelineApiError('FORBIDDEN', 'no b for you', { kind: 'ConfigMap', namespace: 'b' });
    const { reader } = listingReader(ALL, (ns) => (ns === 'b' ? boom : undefined));
    const loaders = new ClusterLoaders(reader);
    const [a, b] = await Promise.allSettled([loaders.list('ConfigMap', 'a'), loaders.list('ConfigMap', 'b')]);
    expect(a).toEqual({ status: 'fulfilled', value: [A_Z, UNLABELLED, A_X] });
    expect(b).toEqual({ status: 'rejected', reason: boom });
  });

  it('fails every namespace answered by a failed all-namespaces list', async () => {
    const boom = new PipelineApiError('KUBERNETES_UNAVAILABLE', 'down');
    const { reader } = listingReader(ALL, () => boom);
    const loaders = new ClusterLoaders(reader);
    const results = await Promise.allSettled([loaders.list('ConfigMap', null), loaders.list('ConfigMap', 'a')]);
    expect(results).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ]);
  });

  it('turns a thrown non-Error into an Error carrying its text', async () => {
    const { reader } = listingReader(ALL, () => 'socket hang up');
    const loaders = new ClusterLoaders(reader);
    const error = await loaders.list('ConfigMap', 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PipelineApiError);
    expect((error as Error).message).toBe('socket hang up');
    const all = await new ClusterLoaders(reader).list('ConfigMap', null).catch((e: unknown) => e);
    expect((all as Error).message).toBe('socket hang up');
  });
});

describe('get', () => {
  it('uses the reader\'s own get when it has one, once per (kind, namespace, name)', async () => {
    const gets: unknown[][] = [];
    const signal = new AbortController().signal;
    const reader: ClusterReader = {
      list: async () => {
        throw new Error('must not list');
      },
      get: async (kind, namespace, name, options) => {
        gets.push([kind, namespace, name, options?.signal]);
        return name === 'x' ? A_X : null;
      },
    };
    const loaders = new ClusterLoaders(reader, signal);
    expect(await loaders.get('ConfigMap', 'a', 'x')).toBe(A_X);
    expect(await loaders.get('ConfigMap', 'a', 'x')).toBe(A_X);
    expect(await loaders.get('ConfigMap', 'a', 'missing')).toBeNull();
    expect(await loaders.get('ConfigMap', null, 'x')).toBe(A_X);
    expect(await loaders.get('Deployment', 'a', 'x')).toBe(A_X);
    expect(await loaders.get('ConfigMap', 'b', 'x')).toBe(A_X);
    expect(gets).toEqual([
      ['ConfigMap', 'a', 'x', signal],
      ['ConfigMap', 'a', 'missing', signal],
      ['ConfigMap', null, 'x', signal],
      ['Deployment', 'a', 'x', signal],
      ['ConfigMap', 'b', 'x', signal],
    ]);
  });

  it('lists the namespace and picks the name when the reader only lists, and answers null for none', async () => {
    const { reader, calls } = listingReader(ALL);
    const loaders = new ClusterLoaders(reader);
    expect(await loaders.get('ConfigMap', 'a', 'z')).toBe(A_Z);
    expect(await loaders.get('ConfigMap', 'a', 'x')).toBe(A_X);
    expect(await loaders.get('ConfigMap', 'a', 'y')).toBeNull();
    expect(await loaders.get('ConfigMap', null, 'y')).toBe(B_Y);
    expect(calls.map((c) => c.namespace)).toEqual(['a', null]);
  });
});

describe('listByLabels', () => {
  it('uses the reader\'s index when it has one, once per label set whatever the order of its keys', async () => {
    const asked: unknown[][] = [];
    const signal = new AbortController().signal;
    const reader: ClusterReader = {
      list: async () => {
        throw new Error('must not list');
      },
      listByLabels: async (kind, namespace, labels, options) => {
        asked.push([kind, namespace, { ...labels }, options?.signal]);
        return labels.tier ? [A_X] : [A_Z];
      },
    };
    const loaders = new ClusterLoaders(reader, signal);
    expect(await loaders.listByLabels('ConfigMap', 'a', { app: 'web', tier: 'front' })).toEqual([A_X]);
    expect(await loaders.listByLabels('ConfigMap', 'a', { tier: 'front', app: 'web' })).toEqual([A_X]);
    expect(await loaders.listByLabels('ConfigMap', 'a', { app: 'web' })).toEqual([A_Z]);
    expect(await loaders.listByLabels('ConfigMap', 'a', { app: 'api' })).toEqual([A_Z]);
    expect(await loaders.listByLabels('ConfigMap', null, { app: 'api' })).toEqual([A_Z]);
    expect(await loaders.listByLabels('ConfigMap', 'b', { app: 'api' })).toEqual([A_Z]);
    expect(asked).toEqual([
      ['ConfigMap', 'a', { app: 'web', tier: 'front' }, signal],
      ['ConfigMap', 'a', { app: 'web' }, signal],
      ['ConfigMap', 'a', { app: 'api' }, signal],
      ['ConfigMap', null, { app: 'api' }, signal],
      ['ConfigMap', 'b', { app: 'api' }, signal],
    ]);
  });

  it('filters a listing on every label (exact values) and sorts by namespace then name when the reader only lists', async () => {
    const { reader } = listingReader(ALL);
    const loaders = new ClusterLoaders(reader);
    expect(await loaders.listByLabels('ConfigMap', null, { app: 'web', tier: 'front' })).toEqual([GLOBAL, A_X, B_Y]);
    expect(await loaders.listByLabels('ConfigMap', null, { app: 'web' })).toEqual([GLOBAL, A_X, A_Z, B_Y]);
    expect(await loaders.listByLabels('ConfigMap', 'a', { app: 'web' })).toEqual([A_X, A_Z]);
    expect(await loaders.listByLabels('ConfigMap', null, { app: 'we' })).toEqual([]);
  });

  it('orders objects of one namespace by name', async () => {
    const objects = [obj('a', 'c', { k: 'v' }), obj('a', 'a', { k: 'v' }), obj('a', 'b', { k: 'v' })];
    const loaders = new ClusterLoaders(listingReader(objects).reader);
    expect((await loaders.listByLabels('ConfigMap', 'a', { k: 'v' })).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('listByInventoryEntry', () => {
  const ENTRY = 'apps_web_apps_Deployment';
  const owner = obj('flux', 'owner', undefined, { inventory: { entries: [{ id: 'apps_other_apps_Deployment' }, { id: ENTRY }] } });
  const other = obj('flux', 'other', undefined, { inventory: { entries: [null, { id: 'apps_other_apps_Deployment' }] } });
  const odd = [
    obj('flux', 'no-status'),
    obj('flux', 'no-inventory', undefined, {}),
    obj('flux', 'entries-not-a-list', undefined, { inventory: { entries: { id: ENTRY } } }),
    obj('flux', 'no-entries', undefined, { inventory: {} }),
  ];

  it('uses the reader\'s index when it has one', async () => {
    const asked: unknown[][] = [];
    const signal = new AbortController().signal;
    const reader: ClusterReader = {
      list: async () => {
        throw new Error('must not list');
      },
      listByInventoryEntry: async (kind, namespace, entryId, options) => {
        asked.push([kind, namespace, entryId, options?.signal]);
        return [owner];
      },
    };
    const loaders = new ClusterLoaders(reader, signal);
    expect(await loaders.listByInventoryEntry('Kustomization', null, ENTRY)).toEqual([owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', null, ENTRY)).toEqual([owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', 'flux', ENTRY)).toEqual([owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', 'flux', 'x')).toEqual([owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', 'apps', 'x')).toEqual([owner]);
    expect(asked).toEqual([
      ['Kustomization', null, ENTRY, signal],
      ['Kustomization', 'flux', ENTRY, signal],
      ['Kustomization', 'flux', 'x', signal],
      ['Kustomization', 'apps', 'x', signal],
    ]);
  });

  it('keeps only the releases whose inventory lists the entry when the reader only lists, whatever shape the others have', async () => {
    const loaders = new ClusterLoaders(listingReader([other, ...odd, owner]).reader);
    expect(await loaders.listByInventoryEntry('Kustomization', null, ENTRY)).toEqual([owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', 'flux', 'apps_other_apps_Deployment')).toEqual([other, owner]);
    expect(await loaders.listByInventoryEntry('Kustomization', 'flux', 'nothing')).toEqual([]);
  });
});

describe('freshness', () => {
  it('asks the reader about the kinds given', () => {
    const asked: unknown[] = [];
    const reader: ClusterReader = {
      list: async () => [],
      freshness: (kinds) => {
        asked.push(kinds);
        return { stale: true, lastSyncAt: 5, staleKinds: ['ConfigMap'] };
      },
    };
    expect(new ClusterLoaders(reader).freshness(['ConfigMap'])).toEqual({ stale: true, lastSyncAt: 5, staleKinds: ['ConfigMap'] });
    expect(asked).toEqual([['ConfigMap']]);
  });

  it('takes a reader that cannot tell as live', () => {
    expect(new ClusterLoaders({ list: async () => [] }).freshness()).toEqual({ stale: false, lastSyncAt: null, staleKinds: [] });
  });
});

describe('the deadline', () => {
  const NOW = Date.parse('2026-11-26T10:00:00Z');
  const MESSAGE = (kind: string) => `Reading ${kind} objects was cancelled: the query's deadline passed or its client went away.`;

  it('still reads at the deadline itself, and refuses every read once it has passed, without calling the reader', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const { reader, calls } = listingReader(ALL);
    const loaders = new ClusterLoaders(reader, undefined, NOW);
    expect(() => loaders.checkDeadline('Resolving')).not.toThrow();
    expect(await loaders.list('ConfigMap', 'a')).toHaveLength(3);
    vi.setSystemTime(NOW + 1);
    for (const [kind, read] of [
      ['Deployment', () => loaders.list('Deployment', 'a')],
      ['ConfigMap', () => loaders.get('ConfigMap', 'b', 'y')],
      ['HelmRelease', () => loaders.listByLabels('HelmRelease', 'a', { app: 'web' })],
      ['Kustomization', () => loaders.listByInventoryEntry('Kustomization', 'a', 'e')],
    ] as const) {
      const error = await rejection(read());
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(error.message).toBe(MESSAGE(kind));
      expect(error.object).toEqual({ kind });
    }
    expect(calls).toHaveLength(1);
  });

  it('names what was cancelled and its kind only when given', () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    controller.abort(reason);
    const loaders = new ClusterLoaders(listingReader(ALL).reader, controller.signal);
    let error: unknown;
    try {
      loaders.checkDeadline('Resolving stages');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineApiError);
    expect((error as PipelineApiError).code).toBe('DEADLINE_EXCEEDED');
    expect((error as PipelineApiError).message).toBe("Resolving stages was cancelled: the query's deadline passed or its client went away.");
    expect((error as PipelineApiError).object).toBeUndefined();
    expect((error as PipelineApiError).cause).toBe(reason);
    expect(() => loaders.checkDeadline('Resolving', 'Pipeline')).toThrow(expect.objectContaining({ object: { kind: 'Pipeline' } }));
  });

  it('turns a read that failed because the signal aborted it into DEADLINE_EXCEEDED, keeping the cause', async () => {
    const controller = new AbortController();
    const cause = new Error('The operation was aborted');
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const reader: ClusterReader = {
      list: (_kind, _ns, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(cause));
          started();
        }),
      get: (_kind, _ns, _name, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(cause));
        }),
    };
    const loaders = new ClusterLoaders(reader, controller.signal);
    const listing = loaders.list('Deployment', 'a');
    const all = loaders.list('ConfigMap', null);
    const getting = loaders.get('Pipeline', 'a', 'p');
    await running;
    controller.abort();
    for (const [kind, read] of [
      ['Deployment', listing],
      ['ConfigMap', all],
      ['Pipeline', getting],
    ] as const) {
      const error = await rejection(read);
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(error.message).toBe(MESSAGE(kind));
      expect(error.object).toEqual({ kind });
      expect(error.cause).toBe(cause);
    }
  });

  it('keeps a coded error as it is even when the signal has aborted', async () => {
    const controller = new AbortController();
    const forbidden = new PipelineApiError('FORBIDDEN', 'not yours', { kind: 'Pipeline', namespace: 'a' });
    const reader: ClusterReader = {
      list: async () => {
        controller.abort();
        throw forbidden;
      },
      get: async () => {
        controller.abort();
        throw forbidden;
      },
    };
    expect(await new ClusterLoaders(reader, controller.signal).list('Pipeline', 'a').catch((e: unknown) => e)).toBe(forbidden);
    const second = new AbortController();
    const again: ClusterReader = { ...reader, get: async () => { second.abort(); throw forbidden; } };
    expect(await new ClusterLoaders(again, second.signal).get('Pipeline', 'a', 'p').catch((e: unknown) => e)).toBe(forbidden);
  });

  it('passes a failure through untouched while the signal has not aborted', async () => {
    const plain = new Error('connection reset');
    const reader: ClusterReader = {
      list: async () => [],
      get: async () => {
        throw plain;
      },
    };
    expect(await new ClusterLoaders(reader, new AbortController().signal).get('Pipeline', 'a', 'p').catch((e: unknown) => e)).toBe(plain);
  });
});
