import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

/** One finished API request, for metrics (contracts item 2). */
export interface KubeRequestEvent {
  kind: string;
  verb: string;
  /** The HTTP status as a string, or 'error' when no answer came. */
  code: string;
  seconds: number;
}

export interface KubeHttpHooks {
  /** Sees every request as it starts (tests count them). */
  onRequest?: (method: string, url: string) => void;
  /** Called once per finished request: a list, a get, a watch once its answer started. */
  onKubeRequest?: (e: KubeRequestEvent) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** What is asked for, for the request hooks: a kind name, or 'discovery'. */
  kind: string;
  verb: 'list' | 'get' | 'watch';
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** Bounds what an error answer's body may cost us: Status objects are small. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Plain GETs and watch streams against the API server, authenticated the way the
 * kubeconfig says (client-node's KubeConfig does the TLS and credentials, including
 * token files that rotate). Generic over paths, so a new kind is one RESOURCES entry.
 * Failures are client-node ApiExceptions (status, body, headers), as its generated
 * clients throw them, so the error mapping and the Retry-After handling apply unchanged.
 */
export class KubeHttp {
  constructor(
    private readonly kc: KubeConfig,
    private readonly hooks: KubeHttpHooks = {},
  ) {}

  private async open(path: string, query: Record<string, string | undefined>, options: CallOptions): Promise<IncomingMessage> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no cluster');
    const url = new URL(server.replace(/\/$/, '') + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    const opts: Record<string, unknown> & { headers?: Record<string, string> } = {};
    await this.kc.applyToHTTPSOptions(opts as never);
    options.signal?.throwIfAborted();
    this.hooks.onRequest?.('GET', url.toString());
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, {
        method: 'GET',
        agent: opts.agent as never,
        auth: opts.auth as string | undefined,
        headers: { ...(opts.headers ?? {}), accept: 'application/json' },
        signal: options.signal,
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
  }

  private async failure(response: IncomingMessage): Promise<ApiException<unknown>> {
    let text = '';
    try {
      for await (const chunk of response) {
        if (text.length < MAX_ERROR_BODY) text += String(chunk);
      }
    } catch {
      // The status is what matters; a body cut short is no loss.
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the log.
    }
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const code = response.statusCode ?? 0;
    return new ApiException(code, `HTTP ${code}`, body, headers);
  }

  private finished(options: CallOptions, started: number, code: string): void {
    this.hooks.onKubeRequest?.({ kind: options.kind, verb: options.verb, code, seconds: (performance.now() - started) / 1000 });
  }

  /** A GET whose answer is one JSON document. */
  async getJson<T>(path: string, query: Record<string, string | undefined>, options: CallOptions): Promise<T> {
    const started = performance.now();
    let code = 'error';
    try {
      const response = await this.open(path, query, options);
      code = String(response.statusCode);
      if (response.statusCode !== 200) throw await this.failure(response);
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    } finally {
      this.finished(options, started, code);
    }
  }

  /**
   * A watch: calls onEvent for each event line until the server ends the stream (resolves)
   * or the connection fails (rejects). `onStarted` runs once the API server has accepted it.
   */
  async watch(
    path: string,
    query: Record<string, string | undefined>,
    options: CallOptions,
    onStarted: () => void,
    onEvent: (event: WatchEvent) => void,
  ): Promise<void> {
    const started = performance.now();
    let response: IncomingMessage;
    try {
      response = await this.open(path, { ...query, watch: 'true' }, options);
    } catch (error) {
      this.finished(options, started, 'error');
      throw error;
    }
    this.finished(options, started, String(response.statusCode));
    if (response.statusCode !== 200) throw await this.failure(response);
    onStarted();
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        lines.close();
        response.destroy();
        if (error) reject(error);
        else resolve();
      };
      response.on('error', settle);
      response.on('aborted', () => settle(new Error('the watch connection was cut')));
      lines.on('close', () => settle());
      lines.on('line', (line) => {
        if (settled || line.trim() === '') return;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          return settle(new Error('the API server sent a watch event that is not JSON'));
        }
        try {
          onEvent(event);
        } catch (error) {
          settle(error);
        }
      });
    });
  }
}
