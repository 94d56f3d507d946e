/** The descriptor is well-formed and its options schema's defaults alone make valid options. */
import type { AnyPlugin } from '../plugin.js';
import { validateAgainst, formatIssues } from '../config/validate.js';
import { checkDescriptor } from '../plugin-loader.js';
import { fail } from './errors.js';

/** The schema's defaults alone make valid options, and the descriptor is well-formed. */
export function checkSchemaDefaults(p: AnyPlugin, options: Record<string, unknown> = {}): Record<string, unknown> {
  checkDescriptor(p, 'testkit');
  const opts = structuredClone(options);
  const issues = validateAgainst(p.optionsSchema, opts);
  if (issues.length)
    fail(
      'schema-valid defaults',
      `plugin "${p.name}": options ${JSON.stringify(options)} with defaults filled are invalid:\n${formatIssues(issues)}`,
    );
  return opts;
}
