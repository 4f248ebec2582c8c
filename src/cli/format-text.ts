/**
 * The CLI's table output, in kubectl's manner: upper-case headers, columns separated by
 * at least three spaces and aligned, no borders. What could not be read is said in the
 * table ("(could not be read: see the errors)"); the why goes to stderr.
 */
export interface CliImage {
  reference: string;
  tag: string | null;
  digest: string | null;
}
export interface CliWorkload {
  kind: string;
  name: string;
  replicas: number;
  readyReplicas: number;
  images: CliImage[];
}
export interface CliRelease {
  __typename: 'Kustomization' | 'HelmRelease';
  name: string;
  health: string;
  healthReason: { message: string };
  version: string | null;
  /** null when the workloads could not be read (the error is reported beside the output). */
  workloads: CliWorkload[] | null;
}
export interface CliStage {
  name: string;
  namespace: string;
  order: number;
  health: string;
  healthReason: { message: string };
  /** null when the stage could not be read; a null item, a release that could not. */
  releases: (CliRelease | null)[] | null;
}
export interface CliPipeline {
  name: string;
  namespace: string;
  approach: string;
  health: string;
  stages: CliStage[];
}
export interface CliDrift {
  upstream: { name: string };
  downstream: { name: string };
  /** "chart:<chart>" or "image:<WorkloadKind>/<workload>/<container>". */
  key: string;
  upstreamVersion: string | null;
  downstreamVersion: string | null;
  status: string;
}
export interface CliDriftPipeline {
  name: string;
  namespace: string;
  approach: string;
  drift: (CliDrift | null)[];
}
export interface CliPlacement {
  pipeline: { name: string; namespace: string; approach: string };
  stage: { name: string; namespace: string };
  release: { __typename: string; name: string };
  workload: { kind: string; name: string } | null;
  image: { container: string; reference: string } | null;
  version: string | null;
}

const UNREADABLE = '(could not be read: see the errors)';

/** Aligned columns; the last column is not padded, so lines carry no trailing spaces. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

const imageVersion = (image: CliImage) => image.tag ?? image.digest ?? 'latest (untagged)';
const orNone = (value: string | null) => value ?? '<none>';

export interface TableOptions {
  /** Adds the NAMESPACE column (kubectl does with -A). */
  allNamespaces: boolean;
  wide: boolean;
}

/**
 * One row per thing that runs, as the POC's report had it: each workload of a
 * Kustomization with its image versions, each HelmRelease with its chart version.
 */
export function formatPipelines(pipelines: (CliPipeline | null)[], options: TableOptions): string {
  const headers = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'PIPELINE', 'APPROACH', 'STAGE', 'HEALTH', 'OBJECT', 'VERSION',
    ...(options.wide ? ['STAGE-NAMESPACE', 'RELEASE', 'READY', 'IMAGES', 'REASON'] : []),
  ];
  const rows: string[][] = [];
  for (const pipeline of pipelines) {
    if (!pipeline) continue;
    for (const stage of pipeline.stages) {
      const row = (health: string, object: string, version: string, wide: { release: string; ready: string; images: string; reason: string }) => [
        ...(options.allNamespaces ? [pipeline.namespace] : []),
        pipeline.name, pipeline.approach, `${stage.order}/${stage.name}`, health, object, version,
        ...(options.wide ? [stage.namespace, wide.release, wide.ready, wide.images, wide.reason] : []),
      ];
      const blank = { release: '', ready: '', images: '', reason: '' };
      if (stage.releases === null) {
        rows.push(row(stage.health, UNREADABLE, '', { ...blank, reason: stage.healthReason.message }));
        continue;
      }
      if (stage.releases.length === 0) rows.push(row(stage.health, '(nothing deployed)', '', blank));
      for (const release of stage.releases) {
        if (release === null) {
          rows.push(row('UNKNOWN', `release ${UNREADABLE}`, '', blank));
          continue;
        }
        const self = `${release.__typename}/${release.name}`;
        const reason = release.health === 'HEALTHY' ? '' : release.healthReason.message;
        if (release.__typename === 'HelmRelease' || release.workloads === null || release.workloads.length === 0) {
          const object = release.__typename !== 'HelmRelease' && release.workloads === null ? `${self} (workloads ${UNREADABLE})` : self;
          rows.push(row(release.health, object, orNone(release.version), { ...blank, release: self, reason }));
          continue;
        }
        for (const workload of release.workloads) {
          rows.push(
            row(release.health, `${workload.kind}/${workload.name}`, workload.images.filter((i) => i).map(imageVersion).join(',') || '<none>', {
              release: self,
              ready: `${workload.readyReplicas}/${workload.replicas}`,
              images: workload.images.map((i) => i.reference).join(','),
              reason,
            }),
          );
        }
      }
    }
  }
  return rows.length === 0 ? 'No pipelines found.\n' : formatTable(headers, rows);
}

export function formatDrift(pipelines: CliDriftPipeline[], options: TableOptions): string {
  const headers = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'PIPELINE', 'APPROACH', 'UPSTREAM', 'DOWNSTREAM', 'COMPONENT', 'UPSTREAM-VERSION', 'DOWNSTREAM-VERSION', 'STATUS'];
  const rows = pipelines.flatMap((p) =>
    p.drift.map((d) => [
      ...(options.allNamespaces ? [p.namespace] : []),
      p.name, p.approach,
      ...(d ? [d.upstream.name, d.downstream.name, d.key, orNone(d.upstreamVersion), orNone(d.downstreamVersion), d.status] : ['', '', UNREADABLE, '', '', '']),
    ]),
  );
  if (rows.length === 0) return 'No drift: every stage runs what the stage before it runs.\n';
  return formatTable(headers, rows);
}

export function formatPlacements(placements: (CliPlacement | null)[], options: TableOptions): string {
  const headers = ['NAMESPACE', 'PIPELINE', 'APPROACH', 'STAGE', 'RELEASE', 'WORKLOAD', 'CONTAINER', 'VERSION', ...(options.wide ? ['IMAGE'] : [])];
  const rows = placements.map((p) =>
    p
      ? [
          p.pipeline.namespace, p.pipeline.name, p.pipeline.approach, p.stage.name, `${p.release.__typename}/${p.release.name}`,
          p.workload ? `${p.workload.kind}/${p.workload.name}` : '', p.image?.container ?? '', orNone(p.version),
          ...(options.wide ? [p.image?.reference ?? ''] : []),
        ]
      : ['', '', '', '', UNREADABLE, '', '', '', ...(options.wide ? [''] : [])],
  );
  return rows.length === 0 ? 'Not deployed in any pipeline.\n' : formatTable(headers, rows);
}
