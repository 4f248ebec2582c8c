/**
 * The README's HYBRID example query ("Example queries"), for any pipeline name: what the
 * bench times, and what the fast suite checks reads only its answer. Its own module, so a
 * test can import it without running the bench.
 */
export const readmeQuery = (name: string) => `{
  pipeline(approach: HYBRID, name: "${name}") ${README_SELECTION}
}`;

/** The same fields for every pipeline at once: priced with a fleet's real size, refused there. */
export const readmeFieldsOfEveryPipeline = () => `{
  pipelines ${README_SELECTION}
}`;

const README_SELECTION = `{
    stages {
      order name namespace
      releases {
        __typename name ready readyReason version
        ... on HelmRelease { chartName chartVersion desiredChartVersion }
        workloads { name readyReplicas replicas images { repository tag digest } }
      }
    }
  }`;
