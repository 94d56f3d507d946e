/**
 * Every numeric flag is checked as it is parsed: yargs alone turns `--max-steps abc` into NaN (and a
 * full training ran) and takes `--max-steps -5`. A bad value is a usage error (exit 2) naming the
 * flag, what it takes and what it got.
 */
import { UsageError } from './errors.js';

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be greater than this. */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

function describeRule(r: NumberRule): string {
  const parts = [r.integer ? 'a whole number' : 'a number'];
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  return parts.join(' ');
}

/** The value when it obeys `rule`, else a UsageError naming `--flag`. */
export function checkNumber(flag: string, value: unknown, rule: NumberRule): number {
  const v = value as number;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!rule.integer || Number.isInteger(v)) &&
    (rule.min === undefined || v >= rule.min) &&
    (rule.above === undefined || v > rule.above) &&
    (rule.max === undefined || v <= rule.max);
  if (ok) return v;
  const got = typeof v === 'number' && Number.isNaN(v) ? 'something that is not a number' : String(value);
  throw new UsageError(`--${flag} takes ${describeRule(rule)}, got ${got}`);
}

/** A yargs number option whose value is checked against `rule`. */
export function numberOption<T extends Record<string, unknown>>(flag: string, rule: NumberRule, spec: T) {
  return {
    ...spec,
    type: 'number' as const,
    requiresArg: true,
    coerce: (v: unknown): number => checkNumber(flag, v, rule),
  };
}

export const WHOLE_POSITIVE: NumberRule = { integer: true, min: 1 };
export const WHOLE_NONNEGATIVE: NumberRule = { integer: true, min: 0 };
export const POSITIVE: NumberRule = { above: 0 };
