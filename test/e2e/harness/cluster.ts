import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureE2eAssets, type E2eAssets } from './assets.js';
import { startEtcd, etcdClientUrl } from './etcd.js';
import { onProcessExit } from './exit-cleanup.js';
import { freeLoopbackPort } from './free-port.js';
import { startKubeApiserver, type KubeApiserverConfig } from './kube-apiserver.js';
import { writeKubeconfigFile } from './kubeconfig.js';
import { runKubectl, type KubectlOptions, type KubectlResult } from './kubectl.js';
import type { ManagedProcess } from './managed-process.js';
import { generateClusterPki } from './pki.js';
import { CLUSTER_DIR_PREFIX, reapStaleClusters, recordOwner } from './stale-clusters.js';

/** What a client needs to reach the cluster as admin. Plain data: vitest can `provide` it. */
export interface ClusterConnection {
  /** https://127.0.0.1:<port> */
  server: string;
  /** The test CA certificate, PEM. */
  caData: string;
  /** Bearer token of 'admin' in group system:masters (static token file). */
  adminToken: string;
  /** Kubeconfig for the admin token, current context selected. */
  kubeconfigPath: string;
  /** Flux CRD manifests; installed by the e2e global setup, not by startTestCluster. */
  fluxCrdPaths: string[];
  /** The cluster's temp dir: certs, etcd data, logs. Removed by stop(). */
  tempDir: string;
  apiserverLogPath: string;
  etcdLogPath: string;
}

export interface TestCluster extends ClusterConnection {
  /** Writes a kubeconfig for this cluster that authenticates with `token`. */
  writeKubeconfig(path: string, token: string, contextName?: string): Promise<void>;
  /** Runs kubectl as admin (or as `opts.kubeconfig`); a non-zero exit is returned, not thrown. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Stops kube-apiserver only; etcd and the data stay. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port and etcd, so `server` stays valid. */
  startApiServer(): Promise<void>;
  /** Stops both processes and removes the temp dir. */
  stop(): Promise<void>;
}

/** A user in the static token file, besides admin. */
export interface StaticTokenUser {
  token: string;
  name: string;
  groups?: string[];
}

export interface TestClusterOptions {
  /** Binaries and CRDs; default: ensureE2eAssets() (builds on first use). */
  assets?: E2eAssets;
  /** How long kube-apiserver may take to become ready, per start. Default 90 s. */
  readyTimeoutMs?: number;
  /** More token users, e.g. for RBAC tests without ServiceAccounts. */
  extraUsers?: StaticTokenUser[];
  /** Extra kube-apiserver flags, appended (they override ours). */
  apiserverArgs?: string[];
}

function tokenFileLine({ token, name, groups = [] }: StaticTokenUser): string {
  // token,user,uid[,"group1,group2"]
  const base = `${token},${name},${name}`;
  return groups.length === 0 ? base : `${base},"${groups.join(',')}"`;
}

/**
 * Starts etcd and kube-apiserver on free loopback ports with a throwaway PKI
 * and an admin token, and resolves once /readyz is ok. There is no
 * controller-manager, scheduler or kubelet: objects are stored and served,
 * nothing reconciles them.
 */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  reapStaleClusters();
  const assets = opts.assets ?? (await ensureE2eAssets());
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;

  const tempDir = mkdtempSync(join(tmpdir(), CLUSTER_DIR_PREFIX));
  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  const recordChildren = () => recordOwner(tempDir, [etcd?.pid, apiserver?.pid].filter((p) => p !== undefined));
  recordChildren();
  // Until stop() runs, an exiting test process takes the cluster down with it.
  const removeExitHook = onProcessExit(() => {
    apiserver?.killNow();
    etcd?.killNow();
    rmSync(tempDir, { recursive: true, force: true });
  });

  try {
    const pkiDir = join(tempDir, 'pki');
    mkdirSync(pkiDir);
    const pki = await generateClusterPki(pkiDir);

    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(tempDir, 'tokens.csv');
    const users = [{ token: adminToken, name: 'admin', groups: ['system:masters'] }, ...(opts.extraUsers ?? [])];
    writeFileSync(tokenFile, `${users.map(tokenFileLine).join('\n')}\n`, { mode: 0o600 });

    const etcdConfig = {
      binary: assets.etcd,
      dataDir: join(tempDir, 'etcd-data'),
      logPath: join(tempDir, 'etcd.log'),
      clientPort: await freeLoopbackPort(),
      peerPort: await freeLoopbackPort(),
    };
    etcd = await startEtcd(etcdConfig);
    recordChildren();

    const apiserverConfig: KubeApiserverConfig = {
      binary: assets.kubeApiserver,
      port: await freeLoopbackPort(),
      etcdUrl: etcdClientUrl(etcdConfig),
      pki,
      tokenFile,
      certDir: join(tempDir, 'apiserver-certs'),
      logPath: join(tempDir, 'kube-apiserver.log'),
      adminToken,
      extraArgs: opts.apiserverArgs,
    };
    apiserver = await startKubeApiserver(apiserverConfig, readyTimeoutMs);
    recordChildren();

    const server = `https://127.0.0.1:${apiserverConfig.port}`;
    const kubeconfigPath = join(tempDir, 'admin.kubeconfig');
    await writeKubeconfigFile(kubeconfigPath, { server, caData: pki.caData, token: adminToken, contextName: 'e2e-admin' });
    const kubectlCacheDir = join(tempDir, 'kubectl-cache');

    // One start or stop at a time, so a test cannot race two restarts.
    let lifecycle: Promise<unknown> = Promise.resolve();
    const serialized = (step: () => Promise<void>): Promise<void> => {
      const next = lifecycle.then(step);
      lifecycle = next.catch(() => undefined);
      return next;
    };

    let stopped = false;
    return {
      server,
      caData: pki.caData,
      adminToken,
      kubeconfigPath,
      fluxCrdPaths: assets.fluxCrdPaths,
      tempDir,
      apiserverLogPath: apiserverConfig.logPath,
      etcdLogPath: etcdConfig.logPath,
      writeKubeconfig: (path, token, contextName) =>
        writeKubeconfigFile(path, { server, caData: pki.caData, token, contextName }),
      kubectl: (args, kubectlOpts = {}) =>
        runKubectl(kubectlOpts.kubeconfig ?? kubeconfigPath, kubectlCacheDir, args, kubectlOpts),
      stopApiServer: () =>
        serialized(async () => {
          await apiserver?.stop();
        }),
      startApiServer: () =>
        serialized(async () => {
          if (stopped) throw new Error('the test cluster was stopped');
          if (apiserver?.isRunning()) return;
          apiserver = await startKubeApiserver(apiserverConfig, readyTimeoutMs);
          recordChildren();
        }),
      stop: () =>
        serialized(async () => {
          if (stopped) return;
          stopped = true;
          await apiserver?.stop();
          await etcd?.stop();
          removeExitHook();
          await rm(tempDir, { recursive: true, force: true });
        }),
    };
  } catch (err) {
    await apiserver?.stop(2_000);
    await etcd?.stop(2_000);
    removeExitHook();
    rmSync(tempDir, { recursive: true, force: true });
    throw err;
  }
}
