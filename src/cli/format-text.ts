/**
 * The POC's report, per pipeline and stage: `Deployment/<name>: <image tags>` for
 * what Kustomizations run and `HelmRelease/<name>: <chart version>` for Helm releases.
 */
export interface CliImage {
  tag: string | null;
  digest: string | null;
}
export interface CliWorkload {
  name: string;
  images: CliImage[];
}
export interface CliRelease {
  __typename: 'Kustomization' | 'HelmRelease';
  name: string;
  ready: boolean;
  readyReason: string | null;
  version: string | null;
  /** null when the workloads could not be read (the error is reported beside the output). */
  workloads: CliWorkload[] | null;
}
export interface CliPipeline {
  name: string;
  namespace: string;
  approach: string;
  /** `releases` is null when the stage could not be read; a null item, a release that could not. */
  stages: { name: string; namespace: string; order: number; releases: (CliRelease | null)[] | null }[];
}

function imageTag(image: CliImage): string {
  if (image.tag) return image.tag;
  return image.digest ? `@${image.digest}` : 'latest (untagged)';
}

function notReady(release: CliRelease): string {
  return release.ready ? '' : `  [not ready${release.readyReason ? `: ${release.readyReason}` : ''}]`;
}

export function formatPipelines(pipelines: (CliPipeline | null)[]): string {
  const lines: string[] = [];
  for (const pipeline of pipelines) {
    if (!pipeline) continue;
    if (lines.length > 0) lines.push('');
    lines.push(`Pipeline ${pipeline.namespace}/${pipeline.name} (${pipeline.approach})`);
    for (const stage of pipeline.stages) {
      lines.push(`  ${stage.order}. ${stage.name} (namespace ${stage.namespace})`);
      // Partial results: what could not be read is said so here, the why goes to stderr.
      if (stage.releases === null) {
        lines.push('    (could not be read: see the errors)');
        continue;
      }
      const releases = stage.releases.filter((r): r is CliRelease => r !== null);
      const unreadable = stage.releases.length - releases.length;
      if (releases.length === 0 && unreadable === 0) lines.push('    (nothing deployed)');
      if (unreadable > 0) lines.push(`    (${unreadable} release${unreadable === 1 ? '' : 's'} could not be read: see the errors)`);
      for (const release of releases) {
        if (release.__typename === 'HelmRelease') {
          lines.push(`    HelmRelease/${release.name}: ${release.version ?? 'unknown'}${notReady(release)}`);
          continue;
        }
        if (release.workloads === null) {
          lines.push(`    Kustomization/${release.name}: ${release.version ?? 'unknown'}${notReady(release)}  (workloads could not be read: see the errors)`);
          continue;
        }
        if (release.workloads.length === 0) lines.push(`    Kustomization/${release.name}: ${release.version ?? 'unknown'}${notReady(release)}`);
        for (const workload of release.workloads) {
          lines.push(`    Deployment/${workload.name}: ${workload.images.map(imageTag).join(', ')}${notReady(release)}`);
        }
      }
    }
  }
  return lines.length === 0 ? 'No pipelines found.\n' : `${lines.join('\n')}\n`;
}
