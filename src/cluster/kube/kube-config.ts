import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../config.js';

/** Where `--source kube` finds its credentials; resolved once, at start-up. */
export interface KubeConfigChoice {
  context: string | null;
  /** One path or several joined by the platform's path delimiter, as KUBECONFIG allows. */
  kubeconfig: string | null;
  /** Used when no kubeconfig is given: a pod's service account, else ~/.kube/config. */
  inCluster?: boolean;
  /**
   * Where the pod's service-account files are read from: '' (the default) for the real
   * /var/run/secrets/kubernetes.io/serviceaccount, a folder holding that path for tests.
   */
  inClusterRoot?: string;
  defaultKubeconfig?: string;
}

/**
 * The kubeconfig the service uses, chosen the way kubectl chooses: KUBECONFIG (or
 * --kubeconfig), else the pod's service account, else ~/.kube/config; then --context.
 * Every failure is a ConfigError that says which file or context is at fault.
 */
export function loadKubeConfig(choice: KubeConfigChoice): KubeConfig {
  let kc: KubeConfig;
  try {
    if (choice.kubeconfig) {
      kc = mergedKubeconfigs(choice.kubeconfig.split(delimiter).filter(Boolean));
    } else if (choice.inCluster) {
      kc = new KubeConfig();
      kc.loadFromCluster(choice.inClusterRoot ?? '');
    } else if (choice.defaultKubeconfig && existsSync(choice.defaultKubeconfig)) {
      kc = mergedKubeconfigs([choice.defaultKubeconfig]);
    } else {
      const tried = choice.defaultKubeconfig ? ` (${choice.defaultKubeconfig} does not exist)` : '';
      throw new ConfigError(`no kubeconfig: set KUBECONFIG or --kubeconfig${tried}, or run in a pod with a service account`);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot load kubeconfig: ${describeLoadError(e)}`);
  }
  if (choice.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(choice.context)) {
      throw new ConfigError(`kubeconfig has no context "${choice.context}" (it has: ${names.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(choice.context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError('kubeconfig has no current context/cluster; pass --context NAME');
  return kc;
}

/**
 * Several kubeconfig files merged by kubectl's rules, so that a KUBECONFIG that works
 * with kubectl works here: files that do not exist are skipped (all missing is an
 * error), and the first file to set a value wins, for current-context and for every
 * named cluster, user and context. (client-node's own merge throws on a name that two
 * files share, which is common.)
 */
function mergedKubeconfigs(paths: string[]): KubeConfig {
  const present = paths.filter((path) => existsSync(path));
  if (present.length === 0) throw new ConfigError(`kubeconfig not found: ${paths.join(delimiter)}`);
  const clusters = new Map<string, KubeConfig['clusters'][number]>();
  const users = new Map<string, KubeConfig['users'][number]>();
  const contexts = new Map<string, KubeConfig['contexts'][number]>();
  let currentContext = '';
  for (const path of present) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(path);
    } catch (e) {
      throw new ConfigError(`cannot load kubeconfig ${path}: ${describeLoadError(e)}`);
    }
    for (const cluster of one.clusters) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of one.users) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of one.contexts) if (!contexts.has(context.name)) contexts.set(context.name, context);
    currentContext ||= one.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return kc;
}

/**
 * Why a kubeconfig did not load, without its content: the YAML parser's message quotes
 * the lines around the fault, and in a kubeconfig those hold tokens and keys.
 */
function describeLoadError(error: unknown): string {
  const { mark, reason, message } = error as { mark?: { line: number; column: number }; reason?: string; message?: string };
  if (mark && typeof mark.line === 'number') {
    return `invalid YAML at line ${mark.line + 1}, column ${mark.column + 1}${reason ? `: ${reason}` : ''}`;
  }
  return message ?? String(error);
}
