/**
 * Standard Schema (https://standardschema.dev): the few types the `~standard.validate` protocol
 * needs, written out so core has no dependency for them. zod, valibot, arktype... all fit.
 */
import { MotifsErrorValidation, type ValidationIssue } from '../errors.js';

/** The part of the Standard Schema v1 interface motifs uses. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** A Standard Schema validation outcome: a value, or issues. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaV1Issue> };

/** One Standard Schema issue. */
export interface StandardSchemaV1Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Whether `value` has a Standard Schema `~standard.validate` function. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && typeof std.validate === 'function';
}

/**
 * Runs a Standard Schema validator and returns its output (which may be transformed, e.g. coerced).
 * @throws MotifsErrorValidation carrying the schema's issues
 * @example
 * const contact = await validateStandard(z.object({ id: z.string() }), JSON.parse(text));
 */
export async function validateStandard<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<T> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const issues: ValidationIssue[] = result.issues.map((issue) => ({
      path: (issue.path ?? []).map((p) => {
        const key = typeof p === 'object' && p !== null ? p.key : p;
        return typeof key === 'number' ? key : String(key);
      }),
      message: issue.message,
    }));
    const first = issues[0];
    const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
    throw new MotifsErrorValidation(`message failed its schema${where}: ${first?.message ?? 'invalid'}`, { issues });
  }
  return result.value;
}
