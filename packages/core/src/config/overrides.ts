/**
 * `--set path=value` on the command line: one config key changed for one run (another seed, a
 * latent dimension to try) without writing a variant file. An override is the config file with one
 * more layer laid over it, by the same rules as `extends` (extends.ts): objects merge key by key,
 * anything else replaces, `null` removes the key, and a layer that names another plugin in a slot
 * drops the options the config gave the previous one. So `--set model.name=vae` on a flow config
 * starts the VAE from its defaults; `--set model.options.latentDim=1` after it (not before: each
 * `--set` is one layer, in order) then sets one of the VAE's options.
 *
 * The value is read as JSON when it parses (`3`, `true`, `[64,64]`, `{"max":0.05}`, `null`) and as
 * a plain string otherwise, so `--set name=trial-3` needs no quotes. A string that looks like JSON
 * must be quoted as JSON: `--set name='"42"'`.
 */
import { ConfigError } from '../errors.js';
import { isJsonObject, mergeConfig, type Json, type JsonObject } from './extends.js';

export interface ConfigOverride {
  /** The keys from the config's root, e.g. ['model', 'options', 'latentDim']. */
  path: string[];
  value: Json;
  /** As the user typed it, for messages and run.json. */
  text: string;
}

/** Parse one `path=value`; errors name the argument. */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  if (eq < 0)
    throw new ConfigError(`--set ${text}: expected path=value, e.g. --set model.options.latentDim=1`, '--set');
  const pathText = text.slice(0, eq).trim();
  const path = pathText.split('.');
  if (pathText === '' || path.some((k) => k === '')) {
    throw new ConfigError(
      `--set ${text}: "${pathText}" is not a key path (keys joined by dots, e.g. training.finalSteps)`,
      '--set',
    );
  }
  if (path[0] === 'extends')
    throw new ConfigError(
      `--set ${text}: "extends" is resolved from the file before overrides apply; it cannot be set`,
      '--set',
    );
  const raw = text.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  return { path, value, text };
}

/**
 * `config` with the overrides laid over it in order; the input is not modified. Setting a key
 * inside an array is refused: arrays replace whole, so `--set …decoderHidden=[64,64]`.
 */
export function applyOverrides(config: JsonObject, overrides: readonly ConfigOverride[]): JsonObject {
  let out = config;
  for (const o of overrides) {
    let at: Json | undefined = out;
    for (let i = 0; i < o.path.length - 1; i++) {
      at = isJsonObject(at) ? at[o.path[i]!] : undefined;
      if (Array.isArray(at)) {
        const whole = o.path.slice(0, i + 1).join('.');
        throw new ConfigError(
          `--set ${o.text}: ${whole} is a list; set the whole list, e.g. --set ${whole}=${JSON.stringify(at)}`,
          '--set',
        );
      }
    }
    // Removing a key the config does not have is a no-op; laid over a missing parent, the null
    // would otherwise be copied in as a value.
    if (o.value === null && !(isJsonObject(at) && o.path[o.path.length - 1]! in at)) continue;
    let layer: Json = o.value;
    for (let i = o.path.length - 1; i >= 0; i--) layer = { [o.path[i]!]: layer };
    out = mergeConfig(out, layer as JsonObject);
  }
  return out;
}
