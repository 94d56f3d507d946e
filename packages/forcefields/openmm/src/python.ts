/**
 * Finding a Python interpreter that can `import openmm`.
 *
 * The first `python3` on PATH is often a pyenv/conda/venv interpreter without OpenMM, while the
 * Debian package installs OpenMM for /usr/bin/python3: try that first, then PATH.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of the Python server script shipped in this package. */
export const SERVER_SCRIPT = fileURLToPath(new URL('../python/embedcg_openmm_server.py', import.meta.url));

export const INSTALL_HINT =
  'Install OpenMM for that Python: on Debian/Ubuntu `apt-get install python3-simtk libopenmm-plugins` ' +
  '(then use /usr/bin/python3), or with conda `conda install -c conda-forge openmm`. ' +
  'Choose the interpreter with the `python` option (CLI: --python).';

/** Thrown when no interpreter with OpenMM is found. */
export class OpenMMUnavailableError extends Error {
  override name = 'OpenMMUnavailableError';
}

export interface PythonInfo {
  python: string;
  openmmVersion: string;
}

const cache = new Map<string, PythonInfo | string>();

function firstOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Probe one interpreter; returns its info or the reason it cannot be used. */
function probe(python: string): PythonInfo | string {
  const hit = cache.get(python);
  if (hit !== undefined) return hit;
  const r = spawnSync(python, ['-c', 'import numpy, openmm; print(openmm.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  let result: PythonInfo | string;
  if (r.error)
    result = `${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`;
  else if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
    result = `${python}: cannot import openmm (${last || `exit code ${r.status}`})`;
  } else result = { python, openmmVersion: r.stdout.trim() };
  cache.set(python, result);
  return result;
}

/**
 * Resolve the interpreter: `explicit` if given (it must work), else env EMBEDCG_PYTHON, else
 * /usr/bin/python3, else the first python3 on PATH. Throws {@link OpenMMUnavailableError} saying what was tried and how to install.
 */
export function findPython(explicit: string | undefined = process.env.EMBEDCG_PYTHON || undefined): PythonInfo {
  const candidates = explicit
    ? [explicit]
    : [...new Set(['/usr/bin/python3', firstOnPath('python3')].filter((p): p is string => !!p))];
  const reasons: string[] = [];
  for (const c of candidates) {
    const r = probe(c);
    if (typeof r !== 'string') return r;
    reasons.push(r);
  }
  throw new OpenMMUnavailableError(
    `OpenMM is not available: ${reasons.join('; ') || 'no python3 found'}. ${INSTALL_HINT}`,
  );
}

/** Non-throwing check, for tests and `embedcg plugins`: `{ ok: true, ... }` or the reason. */
export function openmmAvailability(
  python?: string,
): { ok: true; python: string; openmmVersion: string } | { ok: false; reason: string } {
  try {
    return { ok: true, ...findPython(python) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
