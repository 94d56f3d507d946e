/**
 * Where two configs differ, as key paths with both values: what a resumed run would silently
 * change if its config were edited (or a `--set` forgotten) between the stop and the resume.
 */
import { isJsonObject, type Json } from './extends.js';

export interface ConfigDifference {
  /** Keys from the root joined by dots, e.g. training.finalSteps. */
  path: string;
  /** JSON text of the value on each side; undefined where the key is absent. */
  before?: string;
  after?: string;
}

export function configDifferences(before: unknown, after: unknown, path = ''): ConfigDifference[] {
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => configDifferences(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const text = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v as Json));
  const [b, a] = [text(before), text(after)];
  return b === a
    ? []
    : [
        {
          path: path || '(the whole config)',
          ...(b === undefined ? {} : { before: b }),
          ...(a === undefined ? {} : { after: a }),
        },
      ];
}

/** One line per difference, at most `max`, for an error message. */
export function formatConfigDifferences(diffs: readonly ConfigDifference[], max = 6): string {
  const lines = diffs
    .slice(0, max)
    .map((d) => `  ${d.path}: ${d.before ?? '(absent)'} then, ${d.after ?? '(absent)'} now`);
  if (diffs.length > max) lines.push(`  … and ${diffs.length - max} more`);
  return lines.join('\n');
}
