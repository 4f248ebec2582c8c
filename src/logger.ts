import { pino, type DestinationStream, type Logger } from 'pino';

/** Structured JSON logs. The destination is injectable so tests can read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
