/**
 * Writing and reading the run folder's files. A file is written to a temporary name and renamed
 * over the old one, so a reader (a live view, a resume after a crash) never sees half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** Write `text` to `path` through a temporary file in the same folder and a rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Write `value` as indented JSON, atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2));
}

/** A JSON object from `path`; the error names the file and what is wrong with it. */
export function readJsonObject(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`, path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`, path);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InputError(`${path}: expected a JSON object`, path);
  return value as Record<string, unknown>;
}
