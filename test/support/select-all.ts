import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isEnumType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/**
 * A selection of every field reachable from a type (inline fragments for every
 * implementation of an interface), so a test can ask for everything the API exposes.
 * A type already on the path is not entered again (Stage.behind → ComponentDrift.upstream
 * → Stage …): its fields are selected where it first appears.
 */
export function selectAll(schema: GraphQLSchema, type: GraphQLNamedType, depth = 8, path: ReadonlySet<string> = new Set()): string {
  if (isScalarType(type) || isEnumType(type) || depth === 0) return '';
  if (path.has(type.name)) return '';
  const inside = new Set([...path, type.name]);
  const fields = isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
  const parts = fields
    .filter((f) => f.args.every((a) => a.defaultValue !== undefined || !String(a.type).endsWith('!')))
    .map((f) => {
      const named = getNamedType(f.type);
      const inner = selectAll(schema, named, depth - 1, inside);
      return isScalarType(named) || isEnumType(named) ? f.name : inner ? `${f.name} { ${inner} }` : '';
    })
    .filter(Boolean);
  if (isInterfaceType(type)) {
    for (const impl of schema.getPossibleTypes(type)) parts.push(`... on ${impl.name} { ${selectAll(schema, impl, depth, path)} }`);
  }
  return ['__typename', ...parts].join(' ');
}
