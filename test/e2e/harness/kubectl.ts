import { spawn } from 'node:child_process';

export interface KubectlOptions {
  /** Run as someone else: a kubeconfig written with writeKubeconfig. */
  kubeconfig?: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  timeoutMs?: number;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  /** The exit code; a non-zero code is returned, not thrown. */
  code: number;
}

/** The kubectl binary: $KUBECTL if set, else the one on PATH. */
export function kubectlBinary(): string {
  return process.env.KUBECTL ?? 'kubectl';
}

/**
 * Runs kubectl against a kubeconfig. `cacheDir` keeps kubectl's discovery
 * cache with the cluster instead of in ~/.kube, where stale entries for a
 * reused port could outlive the cluster.
 */
export function runKubectl(
  kubeconfig: string,
  cacheDir: string,
  args: string[],
  options: Omit<KubectlOptions, 'kubeconfig'> = {},
): Promise<KubectlResult> {
  const binary = kubectlBinary();
  const child = spawn(binary, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // kubectl may exit without reading its input; that EPIPE is not our failure.
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');

  return new Promise((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new Error(`kubectl not found (${binary}); install it or set KUBECTL to its path`)
          : err,
      );
    });
    child.once('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8') + (signal ? `\n(kubectl killed by ${signal})` : ''),
        code: code ?? 1,
      });
    });
  });
}
