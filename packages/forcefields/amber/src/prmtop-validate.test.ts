// validatePrmtop: the native checks for a prmtop that OpenMM will evaluate; everything the native
// engine checks, without its refusals of features only it lacks, plus the CMAP sections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prmtopToSystem, validatePrmtop } from './prmtop-to-system.js';
import { parsePrmtop } from './prmtop.js';
import { alaPrmtop } from './openmm-ref.test.util.js';

const text = readFileSync(alaPrmtop, 'utf8');

/** ff19SB-style CMAP sections: one map of `res`×`res` values, one term over ala2's φ/ψ atoms. */
function cmapSections(res: number, values: number, index = [5, 7, 9, 15, 17, 1]): string {
  const grid = Array.from({ length: values }, (_, k) => '  0.50000' + ((k + 1) % 8 === 0 ? '\n' : '')).join('');
  return [
    '%FLAG CMAP_COUNT\n%FORMAT(2I8)\n       1       1',
    `%FLAG CMAP_RESOLUTION\n%FORMAT(20I4)\n${String(res).padStart(4)}`,
    `%FLAG CMAP_PARAMETER_01\n%FORMAT(8(F9.5))\n${grid.trimEnd()}`,
    `%FLAG CMAP_INDEX\n%FORMAT(6I8)\n${index.map((v) => String(v).padStart(8)).join('')}\n`,
  ].join('\n');
}

function withFile(t: { after(fn: () => void): void }, name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-prmtop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

test('a bond pointer that is no multiple of 3 is refused, naming the file, the section and the entry', (t) => {
  // OpenMM's reader divides it by 3 and evaluates a wrong bond without a word.
  const first = text.indexOf('\n', text.indexOf('%FORMAT', text.indexOf('%FLAG BONDS_INC_HYDROGEN'))) + 1;
  const bad = withFile(t, 'bad-bond.prmtop', text.slice(0, first) + '       4' + text.slice(first + 8));
  assert.throws(
    () => validatePrmtop(bad),
    /^InputError: .*bad-bond\.prmtop: section BONDS_INC_HYDROGEN: entry 1 has atom pointer 4, not a multiple of 3/,
  );
  assert.throws(() => validatePrmtop(withFile(t, 'e.prmtop', '')), /e\.prmtop: empty file/);
  assert.equal(validatePrmtop(alaPrmtop).pointer('NATOM'), 22);
});

test('GB radii are checked for the solvent asked for, not in vacuum', (t) => {
  const start = text.indexOf('%FLAG RADII');
  const noRadii = withFile(t, 'no-radii.prmtop', text.slice(0, start) + text.slice(text.indexOf('%FLAG SCREEN')));
  validatePrmtop(noRadii, 'vacuum');
  assert.throws(() => validatePrmtop(noRadii, 'obc2'), /no-radii\.prmtop: implicit solvent obc2 needs GB radii/);
});

test('a CMAP prmtop passes (the native engine alone refuses it); its CMAP sections are checked', (t) => {
  const cmap = withFile(t, 'cmap.prmtop', text + cmapSections(4, 16));
  assert.equal(validatePrmtop(cmap).has('CMAP_INDEX'), true);
  assert.throws(() => prmtopToSystem(parsePrmtop(text + cmapSections(4, 16), 'c.prmtop')), /CMAP correction maps/);
  const short = withFile(t, 'short.prmtop', text + cmapSections(4, 15));
  assert.throws(() => validatePrmtop(short), /short\.prmtop: section CMAP_PARAMETER_01 has 15 values, but a 4×4 map/);
  const atom = withFile(t, 'atom.prmtop', text + cmapSections(4, 16, [5, 7, 9, 15, 23, 1]));
  assert.throws(
    () => validatePrmtop(atom),
    /atom\.prmtop: section CMAP_INDEX: term 1 has atom number 23, outside 1\.\.22/,
  );
  const map = withFile(t, 'map.prmtop', text + cmapSections(4, 16, [5, 7, 9, 15, 17, 2]));
  assert.throws(() => validatePrmtop(map), /map\.prmtop: section CMAP_INDEX: term 1 has map index 2, outside 1\.\.1/);
});
