import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';

/** A long-running child whose stdout and stderr go to a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous SIGKILL, for exit handlers that cannot wait. */
  killNow(): void;
}

/**
 * Starts `command` with its output appended to `logPath`. The child writes to
 * the file directly, so a chatty apiserver costs the test process nothing.
 */
export async function startLoggedProcess(
  name: string,
  command: string,
  args: string[],
  logPath: string,
): Promise<ManagedProcess> {
  const fd = openSync(logPath, 'a');
  writeSync(fd, `\n==== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  try {
    await once(child, 'spawn');
  } catch (err) {
    throw new Error(`cannot start ${name} (${command}): ${(err as Error).message}`);
  }
  const pid = child.pid!;
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
  });

  return {
    name,
    pid,
    logPath,
    exited,
    isRunning: () => running,
    async stop(graceMs = 10_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    killNow() {
      if (running) child.kill('SIGKILL');
    },
  };
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(logPath: string, lines = 40): string {
  try {
    const text = readFileSync(logPath, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true. Fails early if `proc` exits, and on
 * timeout; both errors carry the tail of the process log.
 */
export async function waitUntil(
  what: string,
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) {
      const status = await proc.exited;
      throw new Error(
        `${proc.name} exited (${status}) before ${what}; last lines of ${proc.logPath}:\n${logTail(proc.logPath)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last lines of ${proc.logPath}:\n${logTail(proc.logPath)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
