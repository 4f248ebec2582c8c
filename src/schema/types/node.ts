import { builder } from '../builder.js';

/**
 * The Relay-style object identification interface: every object with a stable id
 * implements it, and Query.node refetches any of them by that id. Resolvers that
 * return a Node tag the value with its type (asNode).
 */
const nodeTypes = new WeakMap<object, string>();

/** Marks a value with the GraphQL type it is, for Query.node (some shapes, like references, look alike). */
export function asNode<T extends object>(typename: string, value: T): T {
  nodeTypes.set(value, typename);
  return value;
}

export const NodeInterface = builder.interfaceRef<object>('Node').implement({
  resolveType: (value) => nodeTypes.get(value) ?? null,
  description:
    'An object with a stable, globally unique id that Query.node can refetch: the convention Relay, urql and Apollo client caches normalise by.',
  fields: (t) => ({
    // Every implementing type defines its own id field; this one only types the interface.
    id: t.id({ description: 'Stable, globally unique id; pass it to Query.node to refetch this object.', resolve: (value) => (value as { id: string }).id }),
  }),
});
