/**
 * Plugin option resolution outside a run config: what `resolvePluginOptions` (plugin-loader.ts)
 * does to a config entry's options, for a plugin's own factory when a model is built in code, with
 * errors that name the option ("vae model: option latentSkip.slope must be a finite number").
 */
import type { JSONSchema, PluginDescriptor, PluginKind } from './plugin.js';
import { validateAgainst, type ValidationIssue } from './config/validate.js';

/** The first retired option (by dotted path) that `options` still names, with its note. */
export function findRetiredOption(
  retired: Readonly<Record<string, string>> | undefined,
  options: unknown,
): { path: string; note: string } | undefined {
  for (const [path, note] of Object.entries(retired ?? {})) {
    let at: unknown = options;
    for (const key of path.split('.'))
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    if (at !== undefined) return { path, note };
  }
  return undefined;
}

/**
 * The option resolution of `resolvePluginOptions`, for code that builds a plugin's instance
 * without a run config: retired options refused, numbers required to be finite (a JSON config
 * cannot hold others), the schema checked with its defaults filled, then the descriptor's
 * `resolveOptions` hook. Works on a copy. Errors are RangeErrors "`who`: option <path> <problem>".
 */
export function resolveOptionsInCode<O>(
  plugin: Pick<PluginDescriptor<PluginKind, O>, 'optionsSchema' | 'resolveOptions' | 'retiredOptions'>,
  given: unknown,
  who: string,
): O {
  const options = structuredClone(stripUndefined(given ?? {}));
  const retired = findRetiredOption(plugin.retiredOptions, options);
  if (retired) throw new RangeError(`${who}: option ${retired.path} was ${retired.note}`);
  const nonFinite = findNonFinite(options, '');
  if (nonFinite)
    throw new RangeError(`${who}: option ${nonFinite.path} must be a finite number, got ${nonFinite.value}`);
  const issues = validateAgainst(plugin.optionsSchema, options);
  if (issues.length) throw new RangeError(`${who}: ${describeIssues(issues, plugin.optionsSchema, options)}`);
  return plugin.resolveOptions ? plugin.resolveOptions(options as O, { configDir: process.cwd() }) : (options as O);
}

/**
 * One line per problem, "option <dotted path> <problem>, got <value>". Where a oneOf failed, the
 * problems of the branch the value has the form of (a duplicate index in a list, say), else the
 * allowed forms.
 */
function describeIssues(issues: ValidationIssue[], schema: JSONSchema, options: unknown): string {
  const roots = [...new Set(issues.filter((i) => /oneOf/.test(i.message)).map((i) => i.path))];
  const rootOf = (path: string) => roots.find((r) => path === r || path.startsWith(`${r}/`));
  const kept = issues.filter((i) => !rootOf(i.path) || !FORM_MISMATCH.test(i.message));
  for (const root of roots) {
    const forms = schemaAt(schema, root)?.oneOf;
    if (!kept.some((i) => rootOf(i.path) === root) && Array.isArray(forms))
      kept.push({ path: root, message: `must be ${forms.map(describeForm).join(' or ')}` });
  }
  const lines = kept.map((i) => {
    const at = valueAt(options, i.path);
    const got = at === undefined || typeof at === 'object' ? '' : `, got ${JSON.stringify(at)}`;
    const unknown = /^unknown property "(.*)"$/.exec(i.message);
    if (unknown) return `option ${dotted(i.path === '/' ? '' : i.path, unknown[1]!)} is not an option`;
    return `option ${dotted(i.path)} ${plainer(i.message)}${got}`;
  });
  return [...new Set(lines)].join('; ');
}

/** A oneOf branch that failed only because the value has another form. */
const FORM_MISMATCH = /oneOf|^must be (object|array|boolean|number|integer|string)$|^must be one of/;

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
};

/** ajv's "must be boolean" as "must be true or false", "must be one of ["a","b"]" as "must be 'a' or 'b'", "≥" for ">=". */
function plainer(message: string): string {
  const type = /^must be (\w+)$/.exec(message)?.[1];
  if (type && TYPE_WORDS[type]) return `must be ${TYPE_WORDS[type]}`;
  const values = /^must be one of (\[.*\])$/.exec(message)?.[1];
  if (values) return `must be ${describeForm({ enum: JSON.parse(values) as unknown[] })}`;
  return message.replace(/^must be >= /, 'must be ≥ ').replace(/^must be <= /, 'must be ≤ ');
}

/** `/a/b/2` (+ a key) → `a.b[2]` (`.key`). */
function dotted(jsonPath: string, key?: string): string {
  const parts = [...jsonPath.split('/').filter(Boolean), ...(key !== undefined ? [key] : [])];
  return parts.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function valueAt(v: unknown, jsonPath: string): unknown {
  let at = v;
  for (const k of jsonPath.split('/').filter(Boolean)) at = (at as Record<string, unknown> | undefined)?.[k];
  return at;
}

/** The sub-schema that describes the value at a JSON path (through properties and items). */
function schemaAt(schema: JSONSchema, jsonPath: string): JSONSchema | undefined {
  let at: JSONSchema | undefined = schema;
  for (const k of jsonPath.split('/').filter(Boolean)) {
    if (!at) return undefined;
    at = (/^\d+$/.test(k) ? at.items : (at.properties as Record<string, JSONSchema> | undefined)?.[k]) as
      JSONSchema | undefined;
  }
  return at;
}

/** A schema branch in words: 'a' or 'b', a non-empty list of integers, an object, … */
function describeForm(s: JSONSchema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(' or ');
  if (s.type === 'array') {
    const items = s.items as JSONSchema | undefined;
    const of = items?.type === 'integer' ? ' of integers' : items?.type === 'number' ? ' of numbers' : '';
    return `a ${typeof s.minItems === 'number' && s.minItems > 0 ? 'non-empty ' : ''}list${of}`;
  }
  return s.type === 'integer' ? 'an integer' : s.type === 'object' ? 'an object' : `a ${String(s.type)}`;
}

function findNonFinite(v: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : { path, value: v };
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v)) {
    const found = findNonFinite(x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return undefined;
}

/** A copy without undefined fields at any depth of plain objects (code may pass `{ x: undefined }`). */
function stripUndefined(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype)
    return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, stripUndefined(x)]),
  );
}
