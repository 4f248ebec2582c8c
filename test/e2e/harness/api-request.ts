import { request } from 'node:https';

/** Where an apiserver is and how to trust it. */
export interface ApiEndpoint {
  server: string;
  caData: string;
}

export interface ApiRequestOptions {
  /** Bearer token; omit for an anonymous request. */
  token?: string;
  method?: string;
  body?: unknown;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  body: string;
  json<T = unknown>(): T;
}

/**
 * One raw HTTPS request to the apiserver, verified against the test CA. Meant
 * for assertions the typed clients hide (status codes, /readyz, refused
 * connections): a connection error rejects with the Node error, whose `code`
 * (ECONNREFUSED, ...) tests can match.
 */
export function apiRequest(endpoint: ApiEndpoint, path: string, options: ApiRequestOptions = {}): Promise<ApiResponse> {
  const url = new URL(path, endpoint.server);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';

  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: endpoint.caData,
        headers,
        // No keep-alive pool: a test that restarts the apiserver must not get a
        // stale pooled socket instead of a fresh connection attempt.
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body, json: <T>() => JSON.parse(body) as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
