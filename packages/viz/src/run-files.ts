import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryRecord, RunFiles, RunMetrics } from './types.js';
import { RUN_FILES } from './run-layout.js';

/**
 * Parse the text of a history.jsonl file.
 *
 * A last line without a trailing newline that does not parse is dropped: the trainer may be
 * in the middle of appending it while the live view reads. Any other bad line throws an
 * error naming the file and line number.
 */
export function parseHistory(text: string, file: string = RUN_FILES.history): HistoryRecord[] {
  const lines = text.split('\n');
  const out: HistoryRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      const isPartialTail = i === lines.length - 1 && !text.endsWith('\n');
      if (isPartialTail) break;
      throw new Error(`${file}: line ${i + 1} is not valid JSON (${(e as Error).message})`, { cause: e });
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new Error(`${file}: line ${i + 1} must be a JSON object, got ${JSON.stringify(rec).slice(0, 60)}`);
    }
    out.push(rec as HistoryRecord);
  }
  return out;
}

function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * Read a run directory: config.json (required), metrics.json (optional, `{}` when absent) and
 * history.jsonl (optional, `[]` when absent).
 */
export function readRun(runDir: string): RunFiles {
  const config = readJsonObject(join(runDir, RUN_FILES.config));
  const metricsFile = join(runDir, RUN_FILES.metrics);
  const metrics = existsSync(metricsFile) ? (readJsonObject(metricsFile) as RunMetrics) : {};
  const historyFile = join(runDir, RUN_FILES.history);
  const history = existsSync(historyFile) ? parseHistory(readFileSync(historyFile, 'utf8'), historyFile) : [];
  return { config, metrics, history };
}
