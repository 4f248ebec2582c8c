import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temp dirs of test clusters start with this, under os.tmpdir(). */
export const CLUSTER_DIR_PREFIX = 'flux-pipelines-e2e-';
const OWNER_FILE = 'owner.json';

interface OwnerRecord {
  ownerPid: number;
  childPids: number[];
}

/** Records who owns a cluster dir and which children run from it. */
export function recordOwner(dir: string, childPids: number[]): void {
  const record: OwnerRecord = { ownerPid: process.pid, childPids };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(record));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Exit hooks cannot run when the test process is SIGKILLed (a CI timeout, an
 * OOM kill), which would leave etcd and kube-apiserver running. Before a new
 * cluster starts, this kills the children of clusters whose owner is gone and
 * removes their dirs. A pid is only killed if its command line still names
 * that cluster's dir, so a recycled pid is never hit.
 */
export function reapStaleClusters(): void {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(CLUSTER_DIR_PREFIX)) continue;
    const dir = join(root, name);
    let record: OwnerRecord;
    try {
      record = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      continue;
    }
    if (isAlive(record.ownerPid)) continue;
    for (const pid of record.childPids) {
      if (commandLine(pid).includes(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
