import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { ListingAt } from '../schema/context.js';

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

type Measure = Omit<QueryCost, 'aliases'>;
type Walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number) => Measure;

/**
 * Prices selection sets of one document: each field costs 1 plus what is under it, times the
 * expected list size when the field is a list. Introspection fields are not priced: the
 * introspection switch governs them.
 */
function pricer(schema: GraphQLSchema, fragments: ReadonlyMap<string, FragmentDefinitionNode>): Walk {
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
  return (set, parent, depth) => walk(set, parent, depth, new Set());
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Depth, complexity and alias count of every operation in a document (see pricer). */
export function measureQuery(schema: GraphQLSchema, document: DocumentNode): QueryCost {
  const walk = pricer(schema, fragmentsOf(document));
  let depth = 0;
  let complexity = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    const cost = walk(definition.selectionSet, root ?? undefined, 0);
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

/**
 * Complexity with the real fan-out of `pipelines`, for one request. Validation prices a
 * listing at its expected size (20) before anything is read; on a fleet of 1,000 pipelines
 * that is fifty times too cheap, and a selection of every release's workloads and images
 * passed and then built an answer larger than the heap. So once a listing knows how many
 * pipelines it returns, its operation is priced again with that number (only ever upward:
 * a smaller listing keeps the price it passed with), and refused over the limit before any
 * pipeline's fields resolve. The count is what the caller's own reader listed, so a refusal
 * tells nothing about pipelines the caller may not see. Listings of one operation (under
 * aliases) add up; the same listing priced again (a field executed twice in one request, as
 * the per-pipeline parts may do) replaces its earlier price instead of adding to it.
 */
export function listingPricer(schema: GraphQLSchema, maxComplexity: number): (at: ListingAt, count: number) => void {
  const expected = LIST_SIZE['Query.pipelines']!;
  const added = new Map<OperationDefinitionNode, Map<FieldNode, number>>();
  return (at, count) => {
    // Stryker disable next-line EqualityOperator: at exactly the expected size the extra is 0 either way
    if (count <= expected) return;
    const walk = pricer(schema, new Map(Object.entries(at.fragments)));
    const query = schema.getQueryType()!;
    const pipeline = getNamedType(query.getFields().pipelines!.type);
    let each = 0;
    // Stryker disable next-line ConditionalExpression: equivalent, validation refuses `pipelines` without a selection set; the guard only narrows the type
    for (const node of at.fieldNodes) if (node.selectionSet) each += walk(node.selectionSet, pipeline, 0).complexity;
    let listings = added.get(at.operation);
    if (!listings) added.set(at.operation, (listings = new Map()));
    listings.set(at.fieldNodes[0]!, (count - expected) * each);
    let extra = 0;
    for (const price of listings.values()) extra += price;
    const actual = walk(at.operation.selectionSet, query, 0).complexity + extra;
    if (actual <= maxComplexity) return;
    throw new GraphQLError(
      `Query complexity is ${actual} with the ${count} pipelines this listing returns (priced at ${expected} when the query was checked), over the limit of ${maxComplexity}. Select fewer fields, narrow the listing with namespace or approach, or ask for one pipeline(...) at a time.`,
      { extensions: { code: 'QUERY_TOO_COMPLEX', actual, limit: maxComplexity } },
    );
  };
}
