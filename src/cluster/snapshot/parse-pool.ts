import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { KubeObject } from '../kube-object.js';
import { projectObject } from '../store/projection.js';
import { parseSnapshotFile, SnapshotError } from './load-snapshot.js';

/**
 * Parsing YAML is most of a large snapshot's start-up (a 230 MB fleet: ~9 of 13 s of CPU).
 * Files are independent, so worker threads parse them side by side, each projecting what it
 * read (the store's form). The objects come back as JSON text, parsed here: the very round
 * trip the in-process path makes (so both give the same objects, a YAML `.nan` becoming
 * null in either; a structured clone kept NaN, so a value depended on the snapshot's size),
 * and nothing retains the file's text. It is cheaper too. Loading the bench's fleet (501
 * files, 101k objects) took 11.0 s of CPU on average against 12.1 s by structured clone
 * (four alternating runs each), and the loaded store holds 155 MiB of heap after a full
 * collection against 200 MiB: the clone's copy gave 440,000 objects an out-of-object
 * property array (18 MiB) and arrays spare capacity (21 MiB more), where JSON.parse sizes
 * both to what they hold (heap snapshots of both). Errors come back with their file and
 * line, as in-process.
 */

export interface FileToParse {
  file: string;
  shown: string;
}

interface Parsed {
  index: number;
  /** The file's projected objects, as JSON texts of up to JSON_CHUNK objects each. */
  json?: string[];
  error?: { snapshot: boolean; file: string; line: number | null; message: string };
}

const ROLE = 'flux-pipelines-snapshot-parser';

/**
 * Objects per JSON text: one text for a whole file would fail past V8's longest string (about
 * 512 Mi characters, a YAML file of about 1.2 GiB once projected), which the in-process path,
 * one object at a time, reads.
 */
const JSON_CHUNK = 5_000;

/** Only the built (JavaScript) module can be a worker's entry; under a TypeScript runner, parse in-process. */
export const workersAvailable = (): boolean => import.meta.url.endsWith('.js');

/** Parses files on up to `threads` worker threads; the result is in the files' order. Rejects with the first file's error. */
export async function parseFilesInWorkers(files: readonly FileToParse[], threads = Math.min(availableParallelism(), 4)): Promise<KubeObject[][]> {
  const results: KubeObject[][] = new Array(files.length);
  const count = Math.max(1, Math.min(threads, files.length));
  const failures: { index: number; error: Error }[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, w) => {
      const mine = files.map((f, index) => ({ ...f, index })).filter(({ index }) => index % count === w);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: ROLE, files: mine } });
        worker.on('message', (message: Parsed) => {
          if (message.json !== undefined) results[message.index] = message.json.flatMap((chunk) => JSON.parse(chunk) as KubeObject[]);
          else if (message.error) {
            const { snapshot, file, line, message: text } = message.error;
            const error = snapshot ? new SnapshotError(file, line, '') : new Error();
            error.message = text;
            failures.push({ index: message.index, error });
          }
        });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`snapshot parser thread exited with code ${code}`))));
      });
    }),
  );
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]!.error;
  return results;
}

async function runAsWorker(files: (FileToParse & { index: number })[]): Promise<void> {
  for (const { file, shown, index } of files) {
    let reply: Parsed;
    try {
      const objects = await parseSnapshotFile(file, shown, { project: projectObject });
      const json: string[] = [];
      for (let at = 0; at < objects.length; at += JSON_CHUNK) json.push(JSON.stringify(objects.slice(at, at + JSON_CHUNK)));
      reply = { index, json };
    } catch (e) {
      const error = e as Error;
      reply = {
        index,
        error: { snapshot: error instanceof SnapshotError, file: (error as SnapshotError).file ?? shown, line: (error as SnapshotError).line ?? null, message: error.message },
      };
    }
    parentPort!.postMessage(reply);
    if (reply.error) return; // the load fails whole: the other files are not needed
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  await runAsWorker((workerData as { files: (FileToParse & { index: number })[] }).files);
}
