/**
 * Where plugin code may come from. A config names code to run, as a bundler config does, so
 * training from a config loads what it names. A run folder received from someone else is data:
 * reopening it (evaluate, sample, report, cvs, decode, a resume) must run no code that came with
 * it. The loader passes over packages inside such folders and refuses path plugins that point into
 * them; these helpers say what lies inside.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** Whether `path` is `dir` or lies below it. */
function below(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The folder of `dirs` that `path` lies in, by its written path or by the real one (a symlink into
 * a run folder counts as inside it, and so does a path into a symlinked run folder), if any.
 */
export function untrustedFolderOf(path: string, dirs: readonly string[] | undefined): string | undefined {
  if (!dirs?.length) return undefined;
  const p = resolve(path);
  const rp = real(p);
  return dirs.find((d) => {
    const abs = resolve(d);
    const rd = real(abs);
    return below(p, abs) || below(rp, abs) || below(p, rd) || below(rp, rd);
  });
}

/** A package spec that is a path (./x.js, ../x, /abs/x) rather than an npm package name. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec);
}

/**
 * Find `node_modules/<name>` walking up from `fromDir`, passing over copies inside `untrusted`
 * folders (reported in `passedOver`, so an error can say why they were not used).
 */
export function findPackageDir(
  name: string,
  fromDir: string,
  untrusted?: readonly string[],
  passedOver?: string[],
): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      if (!untrustedFolderOf(candidate, untrusted)) return candidate;
      passedOver?.push(candidate);
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
