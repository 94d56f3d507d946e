/** What every conformance check reports: a thrown `ConformanceError`, or a `CheckResult` in a run. */

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

export interface CheckResult {
  check: string;
  passed: boolean;
  detail: string;
}

/** Throw a `ConformanceError` whose message starts with the check's name. */
export function fail(check: string, msg: string): never {
  throw new ConformanceError(`${check}: ${msg}`);
}
