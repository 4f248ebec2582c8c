import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

/**
 * Expected list sizes, used to price fan-out: asking for workloads under releases under
 * stages under every pipeline multiplies. These are generous guesses for one cluster,
 * not limits on what is returned.
 */
const LIST_SIZE: Record<string, number> = {
  'Query.pipelines': 20,
  'Pipeline.stages': 5,
  'Stage.releases': 10,
  'Release.workloads': 5,
  'Kustomization.workloads': 5,
  'HelmRelease.workloads': 5,
  'Workload.images': 3,
};
const DEFAULT_LIST_SIZE = 10;

export interface QueryCost {
  depth: number;
  complexity: number;
  aliases: number;
}

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  maxAliases: number;
}

/**
 * Depth, complexity and alias count of every operation in a document. Each field costs 1
 * plus what is under it, times the expected list size when the field is a list.
 * Introspection fields are not priced: the introspection switch governs them.
 */
export function measureQuery(schema: GraphQLSchema, document: DocumentNode): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  type Measure = Omit<QueryCost, 'aliases'>;
  // Each fragment is priced once, relative to where it is spread: a fragment used twice by
  // a fragment used twice (and so on) must not cost exponential time to price.
  const fragmentCosts = new Map<string, Measure>();
  const fragmentCost = (name: string, seen: Set<string>): Measure | undefined => {
    const known = fragmentCosts.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return undefined;
    const type = schema.getType(fragment.typeCondition.name.value) ?? undefined;
    const cost = walk(fragment.selectionSet, type, 0, new Set([...seen, name]));
    fragmentCosts.set(name, cost);
    return cost;
  };
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number, seen: Set<string>): Measure => {
    let complexity = 0;
    let deepest = depth;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        // Stryker disable next-line LogicalOperator,ConditionalExpression: fields are only ever selected on object and interface types of this schema (it has no unions), and no parent means no field either way
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        const fieldType = field ? getNullableType(field.type) : undefined;
        const child = selection.selectionSet
          ? walk(selection.selectionSet, field ? getNamedType(field.type) : undefined, depth + 1, seen)
          : { depth: depth + 1, complexity: 0 };
        // Stryker disable next-line OptionalChaining: a field type is only known under a known parent
        const fanOut = fieldType && isListType(fieldType) ? (LIST_SIZE[`${parent?.name}.${name}`] ?? DEFAULT_LIST_SIZE) : 1;
        complexity += 1 + fanOut * child.complexity;
        deepest = Math.max(deepest, child.depth);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        const inner = walk(selection.selectionSet, type ?? undefined, depth, seen);
        complexity += inner.complexity;
        deepest = Math.max(deepest, inner.depth);
      } else {
        const inner = fragmentCost(selection.name.value, seen);
        if (!inner) continue; // unknown or cyclic: validation reports those
        complexity += inner.complexity;
        deepest = Math.max(deepest, depth + inner.depth);
      }
    }
    return { depth: deepest, complexity };
  };

  let depth = 0;
  let complexity = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    const cost = walk(definition.selectionSet, root ?? undefined, 0, new Set());
    depth = Math.max(depth, cost.depth);
    complexity = Math.max(complexity, cost.complexity);
  }
  // Fragments are walked once per use; aliases are counted once per definition instead.
  let aliases = 0;
  const countAliases = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      // Stryker disable next-line ConditionalExpression: only a field can carry an alias
      if (s.kind === Kind.FIELD && s.alias) aliases++;
      if ('selectionSet' in s && s.selectionSet) countAliases(s.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: an executable document holds only operations and fragments, both with a selection set
    if ('selectionSet' in definition && definition.selectionSet) countAliases(definition.selectionSet);
  }
  return { depth, complexity, aliases };
}

/** A validation rule that rejects documents over the limits, before anything executes. */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context) => ({
    Document: {
      enter(document) {
        const cost = measureQuery(context.getSchema(), document);
        const over = (code: string, what: string, actual: number, limit: number) =>
          context.reportError(
            new GraphQLError(`Query ${what} is ${actual}, over the limit of ${limit}.`, {
              extensions: { code, actual, limit },
            }),
          );
        if (cost.depth > limits.maxDepth) over('QUERY_TOO_DEEP', 'depth', cost.depth, limits.maxDepth);
        if (cost.complexity > limits.maxComplexity) {
          over('QUERY_TOO_COMPLEX', 'complexity (estimated with list fan-out)', cost.complexity, limits.maxComplexity);
        }
        if (cost.aliases > limits.maxAliases) over('TOO_MANY_ALIASES', 'alias count', cost.aliases, limits.maxAliases);
        // Stryker disable next-line BooleanLiteral: visiting below the document would find nothing this rule checks (it has no other visitor), so true and false answer the same
        return false; // nothing below needs visiting
      },
    },
  });
}
