/**
 * Shared test fixtures: the shared alanine dipeptide files, the OpenMM skip rule, and an
 * independent in-process OpenMM energy computation to compare the bridge against.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { openmmAvailability } from './python.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('tests: cannot find the repository root (nx.json)');
    dir = up;
  }
  return dir;
}

export const ROOT = repoRoot();
export const ALA = join(process.env.EMBEDCG_SHARED ?? join(ROOT, '..', 'shared'), 'data', 'alanine-dipeptide');
export const PRMTOP = join(ALA, 'alanine-dipeptide-implicit.prmtop');
export const INPCRD = join(ALA, 'alanine-dipeptide-implicit.inpcrd');
export const PDB = join(ALA, 'alanine-dipeptide-implicit.pdb');

/** True when OpenMM and the shared files are there; else skips (or fails when EMBEDCG_REQUIRE_OPENMM=1). */
export function needOpenMM(t: TestContext): boolean {
  const a = openmmAvailability();
  const reason = !a.ok ? a.reason : !existsSync(PRMTOP) ? `shared data missing (${PRMTOP})` : undefined;
  if (reason === undefined) return true;
  if (process.env.EMBEDCG_REQUIRE_OPENMM === '1')
    throw new Error(`EMBEDCG_REQUIRE_OPENMM=1 but OpenMM is not usable: ${reason}`);
  t.skip(`OpenMM not available: ${reason}`);
  return false;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'embedcg-openmm-'));
}

/** n configurations: `base` plus Gaussian-ish noise of size `scale` nm (deterministic). */
export function jitter(base: Float64Array, n: number, scale: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float64Array(n * base.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < base.length; k++) out[i * base.length + k] = base[k]! + scale * (u() + u() + u() - 1.5);
  return out;
}

/**
 * Energies and forces computed by a plain in-process OpenMM script (no bridge), for a system
 * built by `buildPython` (Python code that assigns `system`).
 */
export function openmmDirect(
  buildPython: string,
  positions: Float64Array,
  n: number,
): { energies: Float64Array; forces: Float64Array } {
  const dir = tempDir();
  writeFileSync(join(dir, 'x.bin'), positions);
  const script = `
import numpy as np, openmm as mm, openmm.app as app, openmm.unit as u
${buildPython}
ctx = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName('Reference'))
x = np.fromfile(${JSON.stringify(join(dir, 'x.bin'))}, dtype='<f8').reshape(${n}, -1, 3)
e = []; f = []
for p in x:
    ctx.setPositions(p)
    st = ctx.getState(getEnergy=True, getForces=True)
    e.append(st.getPotentialEnergy().value_in_unit(u.kilojoule_per_mole))
    f.append(st.getForces(asNumpy=True).value_in_unit(u.kilojoule_per_mole / u.nanometer))
np.array(e, dtype='<f8').tofile(${JSON.stringify(join(dir, 'e.bin'))})
np.array(f, dtype='<f8').tofile(${JSON.stringify(join(dir, 'f.bin'))})
`;
  const a = openmmAvailability();
  if (!a.ok) throw new Error(a.reason);
  const r = spawnSync(a.python, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`direct OpenMM script failed: ${r.stderr}`);
  const read = (f: string) => {
    const b = readFileSync(join(dir, f));
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  return { energies: read('e.bin'), forces: read('f.bin') };
}

export function maxRelDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / Math.max(scale, 1e-300);
}
