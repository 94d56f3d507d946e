/** ajv wrapper: validate a value against a JSON Schema, filling defaults, with messages that name the path. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { JSONSchema } from '../plugin.js';

// addUsedSchema: false — schemas are built fresh per call (runConfigSchema(), plugin schemas), and a
// registered $id would make the second compile of the same $id throw "already exists".
const ajv = new Ajv2020({
  useDefaults: true,
  allErrors: true,
  strict: false,
  allowUnionTypes: true,
  addUsedSchema: false,
});
const cache = new WeakMap<object, ReturnType<typeof ajv.compile>>();

export interface ValidationIssue {
  /** JSON path like `/training/batchSize`. */
  path: string;
  message: string;
}

function describe(e: ErrorObject): ValidationIssue {
  const path = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return { path, message: `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"` };
  }
  if (e.keyword === 'enum') {
    return {
      path,
      message: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`,
    };
  }
  return { path, message: e.message ?? e.keyword };
}

/** Validate `value` in place (defaults are filled in). Returns the issues, empty when valid. */
export function validateAgainst(schema: JSONSchema, value: unknown): ValidationIssue[] {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}

export function formatIssues(issues: ValidationIssue[], prefix = ''): string {
  return issues
    .map((i) => `  ${prefix}${i.path === '/' ? '' : i.path} ${i.message}`.replace(/^ {2}\s*/, '  '))
    .join('\n');
}

/** Compile-check a schema itself (used for plugin option schemas). */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    ajv.compile(schema as object);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
