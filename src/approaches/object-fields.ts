/**
 * Tolerant readers for status fields written by controllers. Unlike definitions,
 * these are not ours to validate: a field of the wrong type reads as absent.
 */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export const stringAt = (value: unknown, ...path: (string | number)[]): string | null => {
  const v = at(value, ...path);
  return typeof v === 'string' && v !== '' ? v : null;
};

export const numberAt = (value: unknown, ...path: (string | number)[]): number | null => {
  const v = at(value, ...path);
  // Number.isFinite is false for anything but a finite number (it does not coerce).
  return Number.isFinite(v) ? (v as number) : null;
};

export const listAt = (value: unknown, ...path: (string | number)[]): unknown[] => {
  const v = at(value, ...path);
  return Array.isArray(v) ? v : [];
};
