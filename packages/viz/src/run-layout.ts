import type { RunLayout } from '@embedcg/core';

/**
 * The run-folder names viz reads and writes. They are core's (`RUN_LAYOUT` of @embedcg/core, where
 * each file is documented): the type of this object is core's layout, so a name that differs from
 * core's does not compile. The import is type-only, so viz keeps no run-time dependency on core
 * (which would load tfjs).
 */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.json',
  history: 'history.jsonl',
  report: 'report',
  reportIndex: 'index.html',
} as const satisfies Pick<RunLayout, 'config' | 'metrics' | 'history' | 'report' | 'reportIndex'>;
