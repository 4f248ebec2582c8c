import { readFileSync } from 'node:fs';

/**
 * Hostile request bodies of every kind the issue found (and a few more), each made unique
 * by `i` so that no cache can answer it from an earlier one. Each fits the default body
 * limit (64 KiB), so it reaches the GraphQL layer.
 */
export interface HostileKind {
  name: string;
  /** The JSON body of the i-th document of this kind. */
  body: (i: number) => string;
  /** The codes an answer may carry (every error must have one of them). */
  codes: string[];
}

const query = (document: string) => JSON.stringify({ query: document });
const repeat = (text: string, bytes: number) => text.repeat(Math.floor(bytes / text.length));

/** Fragment F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^(n-1) uses of the last one. */
const doublingFragments = (n: number, i: number) =>
  `{ pipelines { ...F0 } }\n` +
  Array.from({ length: n }, (_, k) =>
    k === n - 1 ? `fragment F${k} on Pipeline { name u${i}: namespace }` : `fragment F${k} on Pipeline { ...F${k + 1} ...F${k + 1} }`,
  ).join('\n');

/** Every field repeated three times at every level: validation compares 9^depth pairs. */
const tripledTree = (i: number) => {
  let selection = `tag`;
  for (const field of ['images', 'workloads', 'releases', 'stages']) selection = `${field} { ${selection} } `.repeat(3);
  return `{ pipelines { name${i}: name ${selection} } }`;
};

export const HOSTILE_KINDS: HostileKind[] = [
  // ~55 kB of duplicated fields with sub-selections: the 200-780 ms of validation each.
  { name: 'duplicated fields, 55 kB', body: (i) => query(`{ pipelines { a${i}: name ${repeat('stages { name order releases { name } } ', 55_000)} } }`), codes: ['TOO_MANY_TOKENS'] },
  // Fewer, so they fit the token limit: the quadratic validation itself.
  { name: 'duplicated fields under the token limit', body: (i) => query(`{ pipelines { a${i}: name ${'stages { name } '.repeat(240)} } }`), codes: ['TOO_MANY_FIELDS'] },
  { name: 'duplicated fields nested three times over', body: (i) => query(tripledTree(i)), codes: ['TOO_MANY_FIELDS', 'TOO_MANY_TOKENS'] },
  // The stack overflow: 20,000 nested selections.
  { name: '20,000-deep selection', body: (i) => query(`{ a${i} ${'{a'.repeat(20_000)}${'}'.repeat(20_000)} }`), codes: ['QUERY_TOO_DEEP'] },
  { name: 'deeply nested list literal', body: (i) => query(`{ pipeline(approach: HYBRID, name: ${'['.repeat(25_000)}"${i}"${']'.repeat(25_000)}) { name } }`), codes: ['QUERY_TOO_DEEP'] },
  { name: 'doubling fragments', body: (i) => query(doublingFragments(16, i)), codes: ['QUERY_TOO_COMPLEX'] },
  {
    name: 'many fragments',
    body: (i) => query(`{ pipelines { ${Array.from({ length: 100 }, (_, k) => `...F${k}`).join(' ')} } } ${Array.from({ length: 100 }, (_, k) => `fragment F${k} on Pipeline { n${i}: name }`).join(' ')}`),
    codes: ['TOO_MANY_FRAGMENTS', 'TOO_MANY_TOKENS'],
  },
  { name: 'many aliases', body: (i) => query(`{ ${Array.from({ length: 300 }, (_, k) => `a${i}_${k}: __typename`).join(' ')} }`), codes: ['TOO_MANY_ALIASES'] },
  // Valid: executes, and is cached. The comment makes each 60 kB; the cache must stay bounded by bytes.
  { name: 'valid with a 60 kB comment', body: (i) => query(`{ pipelines(approach: CM) { name } } # ${i} ${repeat('x', 60_000)}`), codes: [] },
  // Valid document, a 60 kB argument: refused at execution, the document itself cached.
  { name: '60 kB string argument', body: (i) => query(`{ pipeline(approach: HYBRID, name: "${i}${repeat('x', 60_000)}") { name } }`), codes: ['BAD_USER_INPUT'] },
  { name: 'malformed JSON, 60 kB', body: (i) => `{"query": "{ pipelines { name } } ${i} ${repeat('secret ', 60_000)}`, codes: ['BAD_REQUEST'] },
  { name: 'syntax error after 60 kB of whitespace', body: (i) => query(`${' '.repeat(60_000)}{ pipelines { name ${i} `), codes: ['GRAPHQL_PARSE_FAILED'] },
  { name: 'subscription operation', body: (i) => query(`subscription S${i} { pipelines { name } }`), codes: ['BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED'] },
];

/** utime + stime of a Linux process, in seconds (from /proc/<pid>/stat; clock ticks are 1/100 s). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a Linux process, in bytes. */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
