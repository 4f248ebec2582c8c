import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_ENTRY = 'dist/src/main.js';
export const CLI_ENTRY = 'dist/src/cli/main.js';

/** A port nobody listens on right now (the kernel's choice), for servers started on a given port. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a built entry point to completion (bounded by a timeout). */
export async function runNode(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Finished> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  logs: () => Record<string, any>[];
  stop: () => Promise<Finished>;
}

/** Starts the built server on a free port and waits for its "serving" log line. */
export async function startServer(args: string[] = [], env: Record<string, string> = {}): Promise<RunningServer> {
  // Any free port, unless the caller chooses one by flag or PORT.
  const port0 = args.includes('--port') || env.PORT !== undefined ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [SERVER_ENTRY, ...port0, '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  const parsed = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  const deadline = Date.now() + 30_000;
  let port: number | undefined;
  while (port === undefined) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    port = parsed().find((l) => l.msg?.startsWith('serving GraphQL'))?.port;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    logs: parsed,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      return { code, signal, stdout, stderr };
    },
  };
}

/**
 * Polls until `probe` (sync or async) returns something, with a generous ceiling (a loaded
 * machine is slow, not wrong). The one polling helper of the fast suite: use it instead of
 * a fixed sleep or a loop with its own small count.
 */
export async function eventually<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms: ${probe}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
