import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parseYamlDocuments, YamlParseError } from '../../util/safe-yaml.js';
import type { KubeObject } from '../kube-object.js';

/**
 * A snapshot that cannot be read whole is refused whole: serving half a cluster as
 * if it were complete would answer "not deployed" where the truth is "not loaded".
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(`${line === null ? file : `${file}:${line}`}: ${detail}`);
  }
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);
const LIMITS = { maxLength: 64 * 1024 * 1024, maxAliasCount: 1000, maxDepth: 256 };

async function yamlFilesUnder(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SnapshotError(path, null, code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code})`);
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new SnapshotError(path, null, 'not a file or directory');
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && YAML_EXTENSIONS.has(extname(e.name)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(value: unknown, file: string, line: number, where: string): KubeObject {
  if (!isRecord(value)) throw new SnapshotError(file, line, `${where} is not a mapping`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    throw new SnapshotError(file, line, `${where} has no apiVersion`);
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    throw new SnapshotError(file, line, `${where} has no kind`);
  }
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new SnapshotError(file, line, `${where} (${value.kind}) has no metadata.name`);
  }
  return value as unknown as KubeObject;
}

/** Objects in one file: multi-document YAML, each document an object or a `kind: List`. */
export function parseSnapshotText(text: string, file: string): KubeObject[] {
  let documents;
  try {
    documents = parseYamlDocuments(text, LIMITS);
  } catch (e) {
    if (e instanceof YamlParseError) {
      throw new SnapshotError(file, e.problem.line, `invalid YAML: ${e.problem.description}`);
    }
    throw e;
  }
  const objects: KubeObject[] = [];
  documents.forEach(({ value, line }, index) => {
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing '---'
    const where = `document ${index + 1}`;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
      if (!Array.isArray(value.items)) throw new SnapshotError(file, line, `${where}: items is not a list`);
      value.items.forEach((item, i) => objects.push(checkObject(item, file, line, `${where}, items[${i}]`)));
      return;
    }
    objects.push(checkObject(value, file, line, where));
  });
  return objects;
}

export async function loadSnapshot(path: string): Promise<{ objects: KubeObject[]; files: string[] }> {
  const files = await yamlFilesUnder(path);
  if (files.length === 0) throw new SnapshotError(path, null, 'holds no .yaml or .yml files');
  const objects: KubeObject[] = [];
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new SnapshotError(shown, null, `cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
    objects.push(...parseSnapshotText(text, shown));
  }
  return { objects, files };
}
