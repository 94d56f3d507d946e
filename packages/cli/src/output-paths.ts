/**
 * Output paths checked before any work: `train --out somefile.txt/run` and `sample --out
 * missing/s.csv` used to run to the end and then fail with a raw ENOTDIR or ENOENT (exit 1). Every
 * command that writes calls these first; a bad path is bad usage (exit 2) naming the flag.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** The path itself when it exists, else its nearest existing ancestor; whether that is a folder. */
function nearestExisting(path: string): { path: string; isFolder: boolean } {
  let p = resolve(path);
  for (;;) {
    try {
      return { path: p, isFolder: statSync(p).isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    const up = dirname(p);
    if (up === p) return { path: p, isFolder: true };
    p = up;
  }
}

/** A path as the user would recognise it: relative to the working directory when inside it. */
function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * An output file: its folder must exist (commands do not create it) and be writable, and the path
 * must not be a folder. `flag` names the option in the message, e.g. "--out".
 */
export function checkOutputFile(flag: string, path: string): void {
  const fail = (problem: string): never => {
    throw new UsageError(`${flag} ${path}: ${problem}`);
  };
  const target = resolve(path);
  const near = nearestExisting(target);
  if (near.path === target) {
    if (near.isFolder) fail('is a folder; give a file name');
    if (!writable(target)) fail('the file exists and is not writable');
    return;
  }
  const folder = dirname(target);
  if (!near.isFolder) fail(`${shown(near.path)} is a file, not a folder`);
  if (near.path !== folder) fail(`the folder ${shown(folder)} does not exist; create it first`);
  if (!writable(folder)) fail(`the folder ${shown(folder)} is not writable`);
}

/** An output folder, created with its parents when missing: no part of the path may be a file. */
export function checkOutputFolder(flag: string, path: string): void {
  const fail = (problem: string): never => {
    throw new UsageError(`${flag} ${path}: ${problem}`);
  };
  const target = resolve(path);
  const near = nearestExisting(target);
  if (!near.isFolder)
    fail(near.path === target ? 'is a file, not a folder' : `${shown(near.path)} is a file, not a folder`);
  if (!writable(near.path))
    fail(near.path === target ? 'the folder is not writable' : `cannot create folders in ${shown(near.path)}`);
}

/** Files written beside `path` with its extension replaced, e.g. OUT.pdb beside OUT.dcd. */
export function siblings(path: string, ext: string, suffixes: string[]): string[] {
  const base = ext ? path.slice(0, path.length - ext.length) : path;
  return suffixes.map((s) => `${base}${s}`);
}
