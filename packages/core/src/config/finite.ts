/**
 * JSON has no Infinity, but JSON.parse reads a number too large for a double (`1e400`) as one, and
 * a config built in code can hold NaN. Validation would pass them; saved back to config.json they
 * become `null`, and every later evaluate, report or resume refuses the run. So they are refused
 * up front.
 */

/** The JSON-pointer path and value of the first non-finite number in `value`, if any. */
export function firstNonFinite(value: unknown, path = ''): { path: string; value: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path: path || '/', value };
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const found = firstNonFinite(v, `${path}/${k}`);
    if (found) return found;
  }
  return undefined;
}
