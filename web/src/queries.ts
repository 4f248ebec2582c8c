import { graphql } from './gql';

// Every operation the page sends. The codegen types each one from schema.graphql.

export const PipelineListQuery = graphql(`
  query PipelineList {
    pipelines {
      id
      name
      namespace
      approach
      health
      healthReason {
        message
      }
      stages {
        id
      }
    }
  }
`);

// The pipeline page is one subscription: the server sends the pipeline at once, then again on
// every change (graphql-sse over this server's /graphql). No query, no polling.
export const PipelineLiveSubscription = graphql(`
  subscription PipelineLive($approach: Approach!, $name: String!, $namespace: String!) {
    pipeline(approach: $approach, name: $name, namespace: $namespace) {
      ...PipelineView
    }
  }
`);

export const PipelineViewFragment = graphql(`
  fragment PipelineView on Pipeline {
    id
    name
    namespace
    approach
    definedBy {
      kind
      name
      namespace
    }
    health
    healthReason {
      message
    }
    freshness {
      stale
      lastSyncAt
      staleKinds
    }
    diagnostics {
      code
      severity
      message
      object {
        kind
        name
        namespace
      }
      stage {
        name
      }
    }
    stages {
      id
      name
      namespace
      order
      cluster
      health
      healthReason {
        message
      }
      behind {
        key
        name
        type
        status
        upstreamVersion
        downstreamVersion
      }
      releases {
        __typename
        id
        kind
        name
        namespace
        ready
        readyStatus
        readyReason
        readyMessage
        suspended
        health
        healthReason {
          message
        }
        version
        revision
        ... on HelmRelease {
          chartName
          chartVersion
          desiredChartVersion
        }
        ... on Kustomization {
          path
        }
        workloads {
          id
          kind
          name
          namespace
          replicas
          readyReplicas
          images {
            id
            container
            init
            repository
            tag
            digest
          }
        }
      }
    }
  }
`);
