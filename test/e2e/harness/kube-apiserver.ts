import { apiRequest } from './api-request.js';
import type { ClusterPki } from './pki.js';
import { startLoggedProcess, waitUntil, type ManagedProcess } from './managed-process.js';

export interface KubeApiserverConfig {
  binary: string;
  port: number;
  etcdUrl: string;
  pki: ClusterPki;
  tokenFile: string;
  /** Where the apiserver may write generated files; nothing lands elsewhere. */
  certDir: string;
  logPath: string;
  adminToken: string;
  /** Appended after ours, so they can override (the last occurrence of a flag wins). */
  extraArgs?: string[];
}

/** The smallest flag set for a secure, RBAC-enforcing apiserver on loopback. */
export function kubeApiserverArgs(config: KubeApiserverConfig): string[] {
  const server = `https://127.0.0.1:${config.port}`;
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${config.port}`,
    `--cert-dir=${config.certDir}`,
    `--tls-cert-file=${config.pki.servingCertPath}`,
    `--tls-private-key-file=${config.pki.servingKeyPath}`,
    `--etcd-servers=${config.etcdUrl}`,
    `--token-auth-file=${config.tokenFile}`,
    '--authorization-mode=RBAC',
    // ServiceAccount tokens (TokenRequest) are issued by the apiserver alone,
    // so they work without a controller-manager; only the per-namespace
    // 'default' ServiceAccount and legacy token Secrets never appear.
    `--service-account-key-file=${config.pki.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${config.pki.serviceAccountPrivateKeyPath}`,
    `--service-account-issuer=${server}`,
    // Required for the 'kubernetes' Service in 'default'; nothing routes it.
    '--service-cluster-ip-range=10.96.0.0/16',
    // Stop promptly on SIGTERM: nothing sits behind a load balancer here.
    '--shutdown-delay-duration=0s',
    '--v=1',
    ...(config.extraArgs ?? []),
  ];
}

/** Starts kube-apiserver and resolves once /readyz answers 200 to the admin token. */
export async function startKubeApiserver(config: KubeApiserverConfig, timeoutMs: number): Promise<ManagedProcess> {
  const proc = await startLoggedProcess('kube-apiserver', config.binary, kubeApiserverArgs(config), config.logPath);
  const endpoint = { server: `https://127.0.0.1:${config.port}`, caData: config.pki.caData };
  try {
    await waitUntil('kube-apiserver /readyz', proc, async () => {
      const res = await apiRequest(endpoint, '/readyz', { token: config.adminToken, timeoutMs: 2_000 });
      return res.status === 200;
    }, timeoutMs);
  } catch (err) {
    await proc.stop(2_000);
    throw err;
  }
  return proc;
}
