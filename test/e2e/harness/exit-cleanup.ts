// Last-resort cleanup for whatever the harness started. The normal path is
// TestCluster.stop() from the global teardown; these hooks cover a suite that
// crashes, throws during setup or is interrupted, so no etcd or kube-apiserver
// outlives the node process that started it.
//
// Tasks must be synchronous: on 'exit' node runs no further event-loop turns.

type CleanupTask = () => void;

const tasks = new Set<CleanupTask>();
let installed = false;

function runAll(): void {
  for (const task of [...tasks]) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Best effort: one failing task must not keep the others from running.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  // Another listener (vitest has one) decides how the process ends; if ours is
  // the only one, restore the default so the signal still terminates us.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, onSignal);
  }
}

/** Registers a synchronous task to run at process exit; returns its remover. */
export function onProcessExit(task: CleanupTask): () => void {
  install();
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}
