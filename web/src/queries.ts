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

export const PipelinePageQuery = graphql(`
  query PipelinePage($approach: Approach!, $name: String!, $namespace: String!) {
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
