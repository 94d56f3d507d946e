/**
 * history.jsonl: one JSON record per line, appended as training goes. Each checkpoint records how
 * many lines the history had, and a resume cuts the file back to that many, so the lines written
 * after the checkpoint (and trained again after the resume) appear once.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from './files.js';

export class HistoryFile {
  private constructor(
    readonly path: string,
    private count: number,
  ) {}

  /** A new, empty history at `path` (an earlier run's is discarded). */
  static start(path: string): HistoryFile {
    writeFileSync(path, '');
    return new HistoryFile(path, 0);
  }

  /** The history at `path` cut back to its first `lines` lines, as the checkpoint resumed from saw it. */
  static resume(path: string, lines: number): HistoryFile {
    if (existsSync(path)) {
      const kept = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .slice(0, lines);
      writeFileAtomic(path, kept.length ? kept.join('\n') + '\n' : '');
    }
    return new HistoryFile(path, lines);
  }

  /** Append one record as a line. */
  append(record: object): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
    this.count++;
  }

  /** Lines written so far, the resumed ones included (what a checkpoint records). */
  get lines(): number {
    return this.count;
  }
}
