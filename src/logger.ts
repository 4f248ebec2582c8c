import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs. The destination is injectable so tests can read what was logged.
 * By default, stdout written asynchronously: a line per request written with a system call of
 * its own cost a few percent of a busy server's CPU; written asynchronously, the lines that
 * arrive while a write is under way go out together with the next one. Nothing is held back
 * waiting for more (no minimum length), and what is pending is flushed when the process exits.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
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
