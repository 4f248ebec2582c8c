import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs. The destination is injectable so tests can read what was logged.
 * By default, stdout written asynchronously in batches: a line per request written with a
 * system call of its own cost about 5% of a busy server's CPU. Lines are written once 4 KiB
 * are pending or 250 ms have passed, whichever is first, and what is pending is written when
 * the process exits (pino flushes on exit); only a process killed outright (SIGKILL, the OOM
 * killer) loses its last quarter second of lines.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 })): Logger {
  return pino(
    {
      level,
      base: { service: 'flux-pipelines-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
