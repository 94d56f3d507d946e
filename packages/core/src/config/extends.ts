/**
 * `"extends": "base.json"` in a run config: the file is the base with this file's keys laid over
 * it. Variants of one recipe (another seed, one option changed) then hold only what differs, so a
 * change to the recipe is made once instead of in every copy.
 *
 * Merge rules, most-derived file last:
 * - objects merge key by key, recursively;
 * - arrays, strings, numbers and booleans replace what the base had;
 * - `null` removes the key (an option the base sets that the variant wants left at its default);
 * - a plugin slot (`forceField`, `transform`, `model`, `schedule`) whose `package` or `name` the
 *   derived layer changes is another plugin: the base's `options` are dropped and the layer's own
 *   (if any) used alone, because one plugin's options mean nothing to another (a flow's `layers`
 *   would be an unknown property of the VAE). `package` or `name` left out keeps the base's.
 *
 * `extends` is resolved against the folder of the file that holds it. Every other relative path in
 * the merged config (a prmtop, say) is resolved against the folder of the config being run, as if
 * it had been written there; a base meant for configs in other folders should use absolute paths.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { jsonErrorLocation } from './json-location.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const isJsonObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The run config's plugin slots, whose options belong to the plugin named there. */
const PLUGIN_SLOTS = ['forceField', 'transform', 'model', 'schedule'] as const;

/** Whether `layer` names another plugin than `base` does (a different package or name). */
function changesPlugin(base: JsonObject, layer: JsonObject): boolean {
  return (
    (layer.package !== undefined && layer.package !== base.package) ||
    (layer.name !== undefined && layer.name !== base.name)
  );
}

/** Objects merged key by key, anything else replaced, `null` removing the key (no plugin rule). */
function mergeJson(base: JsonObject, override: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else if (isJsonObject(v) && isJsonObject(out[k])) out[k] = mergeJson(out[k] as JsonObject, v);
    else out[k] = v;
  }
  return out;
}

/** `override` laid over `base` by the rules above; neither input is modified. */
export function mergeConfig(base: JsonObject, override: JsonObject): JsonObject {
  const out = mergeJson(base, override);
  for (const slot of PLUGIN_SLOTS) {
    const was = base[slot];
    const layer = override[slot];
    if (!isJsonObject(was) || !isJsonObject(layer) || !changesPlugin(was, layer)) continue;
    // Laid over empty options, so that a `null` among the layer's own removes the key there too.
    out[slot] = mergeJson({ ...was, options: {} }, layer);
  }
  return out;
}

/** Read one config file as a JSON object; errors name the file (and the line of a JSON mistake). */
export function readConfigObject(path: string, shownAs: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${shownAs}: cannot read config file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
      shownAs,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `${shownAs}: malformed JSON${jsonErrorLocation(text, (e as Error).message)}: ${(e as Error).message}`,
      shownAs,
    );
  }
  if (!isJsonObject(parsed)) throw new ConfigError(`${shownAs}: a run config must be a JSON object`, shownAs);
  return parsed;
}

export interface ResolvedConfig {
  /** The merged document, `extends` removed; not yet validated. */
  value: JsonObject;
  /** Absolute paths of the files merged, the file asked for first, then its base, and so on. */
  sources: string[];
}

/**
 * Read `path` and the chain of configs it extends, and merge them. `shownAs` is how messages name
 * the first file (the path as the user typed it).
 */
export function resolveExtends(path: string, shownAs = path): ResolvedConfig {
  const sources: string[] = [];
  const chain: JsonObject[] = [];
  let abs = resolve(path);
  let label = shownAs;
  for (;;) {
    if (sources.includes(abs)) {
      const cycle = [...sources.slice(sources.indexOf(abs)), abs].map((p) => relative(process.cwd(), p) || p);
      throw new ConfigError(`${shownAs}: "extends" goes round in a circle: ${cycle.join(' → ')}`, shownAs);
    }
    sources.push(abs);
    const doc = readConfigObject(abs, label);
    const { extends: base, ...rest } = doc;
    chain.push(rest);
    if (base === undefined) break;
    if (typeof base !== 'string' || base.length === 0) {
      throw new ConfigError(
        `${label}/extends: must be the path of another run config (a non-empty string), not ${JSON.stringify(base)}`,
        label,
      );
    }
    const next = resolve(dirname(abs), base);
    label = `${label} extends "${base}"`;
    abs = next;
  }
  // The deepest base first, each derived file laid over what came before it.
  let value: JsonObject = {};
  for (const layer of [...chain].reverse()) value = mergeConfig(value, layer);
  return { value, sources };
}
