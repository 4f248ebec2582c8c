import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCluster } from './cluster.js';

// Tests run in worker processes, but the cluster's processes belong to the
// vitest main process (global setup). This loopback endpoint lets a test ask
// the owner to stop or start kube-apiserver; a random bearer secret keeps
// anything else on the machine from doing so.

/** How a test process reaches the owner of the cluster. Plain data. */
export interface ClusterControlEndpoint {
  url: string;
  secret: string;
}

const ACTIONS = {
  '/apiserver/stop': 'stopApiServer',
  '/apiserver/start': 'startApiServer',
} as const;

type ControlPath = keyof typeof ACTIONS;

/** Serves the lifecycle calls of `cluster` on 127.0.0.1 (owner side). */
export async function serveClusterControl(
  cluster: Pick<TestCluster, 'stopApiServer' | 'startApiServer'>,
): Promise<ClusterControlEndpoint & { close(): Promise<void> }> {
  const secret = randomBytes(24).toString('hex');
  const server = createServer((req, res) => {
    const action = ACTIONS[req.url as ControlPath] as (typeof ACTIONS)[ControlPath] | undefined;
    if (req.headers.authorization !== `Bearer ${secret}`) {
      res.writeHead(401).end();
    } else if (req.method !== 'POST' || action === undefined) {
      res.writeHead(404).end();
    } else {
      cluster[action]().then(
        () => res.writeHead(204).end(),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error).message ?? err)),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Asks the owner to run a lifecycle call (test side); rejects with its error. */
export async function callClusterControl(endpoint: ClusterControlEndpoint, path: ControlPath): Promise<void> {
  const res = await fetch(`${endpoint.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${endpoint.secret}` },
    // A restart waits for /readyz, which may take a while on a busy machine.
    signal: AbortSignal.timeout(180_000),
  });
  if (res.status !== 204) throw new Error(`cluster control ${path} failed (${res.status}): ${await res.text()}`);
}
