/**
 * `energy --system S.json --solvent X` means the same on both engines: OpenMM used to ignore
 * --solvent and give the file's OBC2 energy where the native engine gave vacuum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { assertCleanError, repoRoot, runCli } from './support.mjs';

const ex = join(repoRoot, 'examples', 'alanine-dipeptide');
const hasOpenMM = spawnSync('/usr/bin/python3', ['-c', 'import openmm'], { stdio: 'ignore' }).status === 0;
const skip = !hasOpenMM && !process.env.EMBEDCG_REQUIRE_OPENMM ? 'OpenMM is not installed' : false;

function energy(system, solvent, engine) {
  const args = ['energy', '--system', join(ex, system), '--coords', join(ex, 'ala2.pdb'), '--solvent', solvent];
  const r = runCli([...args, '--engine', engine, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).frames[0].energy;
}

test('--solvent with --system: native and OpenMM agree in every solvent', { skip }, () => {
  const seen = new Set();
  for (const solvent of ['vacuum', 'obc1', 'obc2']) {
    const native = energy('system-obc2.json', solvent, 'native');
    const openmm = energy('system-obc2.json', solvent, 'openmm');
    assert.ok(Math.abs(native - openmm) < 1e-6, `${solvent}: native ${native}, OpenMM ${openmm} kJ/mol`);
    seen.add(native.toFixed(3));
  }
  assert.equal(seen.size, 3, 'the three solvents give three different energies');
});

test('--solvent obc1 with a vacuum system.json is refused on OpenMM as on the native engine', { skip }, () => {
  for (const engine of ['native', 'openmm']) {
    const args = ['energy', '--system', join(ex, 'system-vacuum.json'), '--coords', join(ex, 'ala2.pdb')];
    const r = runCli([...args, '--solvent', 'obc1', '--engine', engine]);
    assert.match(assertCleanError(r, 2), /system-vacuum\.json: .*obc1.* needs GB parameters, but the system has none/);
  }
});
