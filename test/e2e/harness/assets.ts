import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binaries and CRD manifests a test cluster is made of. */
export interface E2eAssets {
  kubeApiserver: string;
  etcd: string;
  /** Flux CRD manifests (one CRD per file), from the pinned controller modules. */
  fluxCrdPaths: string[];
}

const BUILD_SCRIPT = fileURLToPath(new URL('../tools/build.sh', import.meta.url));

/** Thrown when this machine cannot provide the binaries; the message says why. */
export class E2eAssetsUnavailableError extends Error {
  override name = 'E2eAssetsUnavailableError';
}

function requireExecutable(path: string, hint: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new E2eAssetsUnavailableError(`${path} is missing or not executable (${hint})`);
  }
}

/** Runs build.sh; its progress goes straight to our stderr, its last stdout line is the asset dir. */
function runBuildScript(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const dir = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && dir !== '') return resolve(dir);
      const why =
        code === 3
          ? 'Go is needed to build them (see the messages above)'
          : `${BUILD_SCRIPT} exited with ${code} (see the messages above)`;
      reject(new E2eAssetsUnavailableError(`cannot provide kube-apiserver, etcd and the Flux CRDs: ${why}`));
    });
  });
}

/**
 * Makes sure kube-apiserver, etcd and the Flux CRDs are on disk and says where.
 * Binaries come from $KUBEBUILDER_ASSETS when it is set, else from the build
 * cache that build.sh fills on first use (a warm cache costs milliseconds).
 */
export async function ensureE2eAssets(): Promise<E2eAssets> {
  const prebuilt = process.env.KUBEBUILDER_ASSETS;
  const dir = await runBuildScript(prebuilt ? ['--crds-only'] : []);
  const binDir = prebuilt ?? join(dir, 'bin');
  const hint = prebuilt ? 'from KUBEBUILDER_ASSETS' : `built by ${BUILD_SCRIPT}`;
  const crdDir = join(dir, 'crds');
  const fluxCrdPaths = readdirSync(crdDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(crdDir, name));
  return {
    kubeApiserver: requireExecutable(join(binDir, 'kube-apiserver'), hint),
    etcd: requireExecutable(join(binDir, 'etcd'), hint),
    fluxCrdPaths,
  };
}
