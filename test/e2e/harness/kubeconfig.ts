import { writeFile } from 'node:fs/promises';
import type { ApiEndpoint } from './api-request.js';

export interface KubeconfigSpec extends ApiEndpoint {
  token: string;
  /** Names the context, and the cluster and user entries behind it. */
  contextName?: string;
}

/**
 * A kubeconfig with one cluster (CA embedded), one token user and that context
 * selected. JSON is valid kubeconfig YAML, so no serializer is needed.
 */
export function renderKubeconfig({ server, caData, token, contextName = 'e2e' }: KubeconfigSpec): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: contextName,
        cluster: { server, 'certificate-authority-data': Buffer.from(caData).toString('base64') },
      },
    ],
    users: [{ name: contextName, user: { token } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
    'current-context': contextName,
    preferences: {},
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Writes a kubeconfig readable only by us: it holds a bearer token. */
export async function writeKubeconfigFile(path: string, spec: KubeconfigSpec): Promise<void> {
  await writeFile(path, renderKubeconfig(spec), { mode: 0o600 });
}
