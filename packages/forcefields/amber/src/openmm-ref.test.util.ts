// Test helpers (excluded from the package by the "*.test.*" pattern): locating the shared data
// and calling OpenMM's Reference platform through tools/openmm-reference/amber_reference.py.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const sharedDir = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
export const alaDir = join(sharedDir, 'data', 'alanine-dipeptide');
export const alaPrmtop = join(alaDir, 'alanine-dipeptide-implicit.prmtop');
export const alaInpcrd = join(alaDir, 'alanine-dipeptide-implicit.inpcrd');
export const alaPdb = join(alaDir, 'alanine-dipeptide-implicit.pdb');
export const referenceScript = join(repoRoot, 'tools', 'openmm-reference', 'amber_reference.py');
export const PYTHON = process.env.EMBEDCG_PYTHON ?? '/usr/bin/python3';

let available: string | true | undefined;
/** true when OpenMM can be used; otherwise the reason. Throws when EMBEDCG_REQUIRE_OPENMM=1 and it is missing. */
export function openmmAvailable(): true | string {
  if (available === undefined) {
    const r = spawnSync(PYTHON, ['-c', 'import openmm, numpy'], { encoding: 'utf8' });
    available =
      r.status === 0
        ? true
        : `${PYTHON} cannot import openmm: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  }
  if (available !== true && process.env.EMBEDCG_REQUIRE_OPENMM === '1')
    throw new Error(`OpenMM required (EMBEDCG_REQUIRE_OPENMM=1) but not available: ${available}`);
  return available;
}

export interface ReferenceResult {
  energies: number[];
  forces: number[][];
  groups: Record<string, number[]>;
}

/** Run amber_reference.py with `args`, passing `positions` (n × 3N, nm) through a temp file. */
export function openmmReference(
  args: string[],
  positions?: Float64Array,
  exportTo?: string,
): ReferenceResult | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-omm-'));
  try {
    const full = [referenceScript, ...args];
    if (positions) {
      writeFileSync(join(dir, 'x.f64'), Buffer.from(positions.buffer, positions.byteOffset, positions.byteLength));
      full.push('--positions', join(dir, 'x.f64'), '--out', join(dir, 'out.json'));
    }
    if (exportTo) full.push('--export', exportTo);
    const r = spawnSync(PYTHON, full, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`amber_reference.py failed (${r.status}): ${r.stderr}`);
    return positions ? (JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as ReferenceResult) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** n copies of `x0` with Gaussian noise of standard deviation `sigma` (nm), seeded. */
export function perturbed(x0: Float64Array, n: number, sigma: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(n * x0.length);
  for (let c = 0; c < n; c++) {
    for (let k = 0; k < x0.length; k++) {
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      out[c * x0.length + k] = x0[k]! + sigma * g;
    }
  }
  return out;
}
