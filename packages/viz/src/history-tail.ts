import { open, stat } from 'node:fs/promises';
import { parseHistory } from './run-files.js';
import type { HistoryRecord } from './types.js';

/**
 * Reads a growing history.jsonl incrementally: each `poll()` parses only the bytes appended
 * since the last one, and keeps a trailing partial line until its newline arrives. A file that
 * shrank (a new run in the same directory) is read again from the start.
 */
export class HistoryTail {
  readonly records: HistoryRecord[] = [];
  private offset = 0;
  private pending = '';
  /** Bumped whenever the records are replaced rather than appended to. */
  generation = 0;

  constructor(readonly file: string) {}

  /** Read what was appended; returns the number of new records. */
  async poll(): Promise<number> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return 0; // the trainer has not created the file yet
    }
    if (size < this.offset) {
      this.records.length = 0;
      this.offset = 0;
      this.pending = '';
      this.generation++;
    }
    if (size === this.offset) return 0;
    const fh = await open(this.file, 'r');
    let chunk: string;
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      chunk = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
    const text = this.pending + chunk;
    const cut = text.lastIndexOf('\n');
    this.pending = cut < 0 ? text : text.slice(cut + 1);
    if (cut < 0) return 0;
    const fresh = parseHistory(text.slice(0, cut + 1), this.file);
    this.records.push(...fresh);
    return fresh.length;
  }
}
