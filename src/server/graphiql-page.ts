import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL's page, rendered when a browser first asks for it, and then served from bytes.
 *
 * The page inlines every script, style and editor worker (no CDN on a machine without
 * internet): `@graphql-yoga/render-graphiql` is a 9 MB module whose source V8 keeps as a
 * two-byte string (18 MiB) beside the strings it evaluates to (another ~10 MiB). Imported at
 * start, that was ~30 MiB of every process's heap, walked by each full collection, whether or
 * not anyone ever opened GraphiQL. The module is loaded and run in a worker thread instead,
 * on the first request for the page: only the rendered page comes back, as UTF-8 bytes moved
 * (not copied) out of the thread, kept outside the JavaScript heap; the thread's heap, the
 * module's source with it, goes when the thread ends.
 */

// CommonJS, evaluated by the worker: the package's require entry, resolved here, so the thread
// finds it wherever the process was started from.
const RENDER_IN_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const html = require(workerData.module).renderGraphiQL(workerData.options);
const bytes = new TextEncoder().encode(html);
parentPort.postMessage(bytes, [bytes.buffer]);
`;

/** Rendered pages by their options: one per app in a process, a few in the test suite. */
const pages = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
const MAX_PAGES = 4;

/** How many times the page was rendered (a thread started) in this process: what tests check laziness by. */
let renders = 0;
export const graphiqlRenders = (): number => renders;

function renderInThread(options: GraphiQLOptions): Promise<Uint8Array<ArrayBuffer>> {
  renders++;
  const module = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  return new Promise((resolve, reject) => {
    const worker = new Worker(RENDER_IN_THREAD, { eval: true, workerData: { module, options } });
    let page: Uint8Array<ArrayBuffer> | undefined;
    worker.once('message', (bytes: Uint8Array<ArrayBuffer>) => (page = bytes));
    worker.once('error', reject);
    worker.once('exit', (code) => (page ? resolve(page) : reject(new Error(`GraphiQL page thread exited with code ${code} and no page`))));
  });
}

/**
 * Yoga's `renderGraphiQL`: the page for these options, rendered once. A failed render is not
 * kept, so the next request tries again.
 */
export function graphiqlPage(options: GraphiQLOptions): Promise<Uint8Array<ArrayBuffer>> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value!);
    page = renderInThread(options);
    pages.set(key, page);
    page.catch(() => {
      if (pages.get(key) === page) pages.delete(key);
    });
  }
  return page;
}
