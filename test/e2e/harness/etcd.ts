import { startLoggedProcess, waitUntil, type ManagedProcess } from './managed-process.js';

export interface EtcdConfig {
  binary: string;
  dataDir: string;
  logPath: string;
  clientPort: number;
  peerPort: number;
}

/** The URL kube-apiserver's --etcd-servers takes. */
export function etcdClientUrl(config: EtcdConfig): string {
  return `http://127.0.0.1:${config.clientPort}`;
}

/** A single-member etcd on loopback, plain HTTP, returned once /health says so. */
export async function startEtcd(config: EtcdConfig, timeoutMs = 30_000): Promise<ManagedProcess> {
  const clientUrl = etcdClientUrl(config);
  const peerUrl = `http://127.0.0.1:${config.peerPort}`;
  const proc = await startLoggedProcess('etcd', config.binary, [
    '--name=e2e',
    `--data-dir=${config.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=e2e=${peerUrl}`,
    // The data is thrown away after the run: durability buys nothing here
    // and fsync is the slowest part of every write.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ], config.logPath);

  try {
    await waitUntil('etcd /health', proc, async () => {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { health?: string };
      return res.ok && body.health === 'true';
    }, timeoutMs);
  } catch (err) {
    await proc.stop(2_000);
    throw err;
  }
  return proc;
}
