/**
 * graphql-js completes an Error returned in place of a list item as null at that
 * item's exact path, plus an error there; its siblings resolve normally. That is the
 * partial-result contract, but the resolver typings only admit values, hence this cast
 * in one named place.
 */
export function withItemErrors<T>(items: readonly (T | Error)[]): T[] {
  return items as T[];
}
