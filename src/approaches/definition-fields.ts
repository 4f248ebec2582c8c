import { PipelineApiError, type ObjectRef, describeObject } from '../errors.js';
import { nameProblem, type NameRule } from '../util/k8s-names.js';

/**
 * Reads a definition field by field and collects every problem with its path, so a
 * broken definition is reported once, completely and precisely
 * (`stages[0].order: expected an integer, got "one"`), instead of failing on the first.
 */
export class FieldReader {
  readonly problems: string[] = [];

  constructor(private readonly prefix = '') {}

  /** `prefix` names where the fields live inside the object, e.g. "data.pipelines". */
  problem(path: string, message: string): undefined {
    this.problems.push(`${[this.prefix, path].filter(Boolean).join(': ')}: ${message}`);
    return undefined;
  }

  record(value: unknown, path: string, required = true): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return required ? this.problem(path, 'required') : undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return this.problem(path, `expected a mapping, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  list(value: unknown, path: string, options: { required?: boolean; minItems?: number } = {}): unknown[] | undefined {
    if (value === undefined || value === null) return options.required ? this.problem(path, 'required') : undefined;
    if (!Array.isArray(value)) return this.problem(path, `expected a list, got ${describe(value)}`);
    // Stryker disable next-line ConditionalExpression: equivalent, a length is never < undefined (the check is for the compiler)
    if (options.minItems !== undefined && value.length < options.minItems) {
      return this.problem(path, `expected at least ${options.minItems} item${options.minItems === 1 ? '' : 's'}, got ${value.length}`);
    }
    return value;
  }

  string(value: unknown, path: string, options: { required?: boolean; rule?: NameRule } = {}): string | undefined {
    if (value === undefined || value === null) return options.required ? this.problem(path, 'required') : undefined;
    if (typeof value !== 'string') return this.problem(path, `expected a string, got ${describe(value)}`);
    if (options.rule) {
      const problem = nameProblem(value, options.rule);
      if (problem) return this.problem(path, `${describe(value)} ${problem}`);
    }
    return value;
  }

  integer(value: unknown, path: string, options: { required?: boolean; min?: number } = {}): number | undefined {
    if (value === undefined || value === null) return options.required ? this.problem(path, 'required') : undefined;
    // Stryker disable next-line ConditionalExpression: equivalent, Number.isSafeInteger is false for every non-number (the typeof is for the compiler)
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return this.problem(path, `expected an integer, got ${describe(value)}`);
    }
    // Stryker disable next-line ConditionalExpression: equivalent, a number is never < undefined (the check is for the compiler)
    if (options.min !== undefined && value < options.min) return this.problem(path, `expected at least ${options.min}, got ${value}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    const s = this.string(value, path, { required: true });
    if (s === undefined) return undefined;
    if (!allowed.includes(s as T)) {
      return this.problem(path, `expected one of ${allowed.join(', ')}, got ${describe(s)}`);
    }
    return s as T;
  }
}

/** A short, bounded rendering of a value for messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export class InvalidDefinitionError extends PipelineApiError {
  constructor(
    object: ObjectRef,
    readonly problems: string[],
  ) {
    super('INVALID_PIPELINE_DEFINITION', `${describeObject(object)} is not a valid pipeline definition: ${problems.join('; ')}`, object);
  }
}
