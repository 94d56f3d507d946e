// prmtop / inpcrd readers: section grammar, typed data, counts, and refusals with clear messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFortranFormat } from './fortran-format.js';
import { parsePrmtop, readPrmtop } from './prmtop.js';
import { parseInpcrd, readInpcrd } from './inpcrd.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { alaInpcrd, alaPrmtop } from './openmm-ref.test.util.js';

const text = readFileSync(alaPrmtop, 'utf8');

test('Fortran edit descriptors', () => {
  assert.deepEqual(parseFortranFormat('10I8'), { count: 10, kind: 'i', width: 8 });
  assert.deepEqual(parseFortranFormat('5E16.8'), { count: 5, kind: 'e', width: 16, decimals: 8 });
  assert.deepEqual(parseFortranFormat('(20a4)'), { count: 20, kind: 'a', width: 4 });
  assert.deepEqual(parseFortranFormat('1a80'), { count: 1, kind: 'a', width: 80 });
  assert.deepEqual(parseFortranFormat('a80'), { count: 1, kind: 'a', width: 80 });
  assert.deepEqual(parseFortranFormat('3I8'), { count: 3, kind: 'i', width: 8 });
  assert.equal(parseFortranFormat('10X'), undefined);
  // CMAP sections write a repeat group; it means 8F9.5.
  assert.deepEqual(parseFortranFormat('8(F9.5)'), { count: 8, kind: 'f', width: 9, decimals: 5 });
  assert.deepEqual(parseFortranFormat('(2(I8))'), { count: 2, kind: 'i', width: 8 });
  assert.equal(parseFortranFormat('8(F9.5,I3)'), undefined);
});

test('reads every section of the alanine dipeptide prmtop into typed arrays', () => {
  const p = readPrmtop(alaPrmtop);
  assert.equal(p.title, 'ACE');
  assert.match(p.version!, /V0001\.000/);
  assert.equal(p.pointer('NATOM'), 22);
  assert.equal(p.pointer('NRES'), 3);
  assert.equal(p.pointer('IFBOX'), 0);
  assert.deepEqual(p.text('RESIDUE_LABEL'), ['ACE', 'ALA', 'NME']);
  assert.deepEqual(p.text('ATOM_NAME').slice(0, 5), ['HH31', 'CH3', 'HH32', 'HH33', 'C']);
  assert.ok(p.int('BONDS_INC_HYDROGEN') instanceof Int32Array);
  assert.ok(p.real('CHARGE') instanceof Float64Array);
  assert.equal(p.real('CHARGE')[0], 2.04636429);
  assert.equal(p.int('ATOM_TYPE_INDEX').length, 22);
  assert.equal(p.text('RADIUS_SET')[0]!.length > 0, true);
  // every flag in the file is there
  const flags = [...text.matchAll(/^%FLAG (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual([...p.sections.keys()], flags);
  // total charge is neutral
  assert.ok(Math.abs(p.real('CHARGE').reduce((s, q) => s + q, 0) / 18.2223) < 1e-5);
});

test('truncated or inconsistent prmtop files name the file, the section and the problem', () => {
  const cut = text.slice(0, text.indexOf('%FLAG ANGLE_FORCE_CONSTANT') + 200);
  assert.throws(
    () => parsePrmtop(cut, 'cut.prmtop'),
    /cut\.prmtop: (section ANGLE_FORCE_CONSTANT has \d+ values, but POINTERS implies 16 \(file truncated\?\)|missing section %FLAG)/,
  );
  const cutInSection = text.slice(0, text.indexOf('%FLAG CHARGE') + 200);
  assert.throws(
    () => parsePrmtop(cutInSection, 'c2.prmtop'),
    /c2\.prmtop: section CHARGE has \d+ values, but POINTERS implies 22 \(file truncated\?\)/,
  );
  const badNumber = text.replace(/%FLAG MASS\s*\n%FORMAT\(5E16\.8\)\s*\n {2}1\.00800000E\+00/, (m) =>
    m.replace('1.00800000E+00', '1.0080000xE+00'),
  );
  assert.notEqual(badNumber, text);
  assert.throws(
    () => parsePrmtop(badNumber, 'm.prmtop'),
    /m\.prmtop: section MASS: value 1 "1\.0080000xE\+00" is not a number/,
  );
  const badFormat = text.replace('%FORMAT(10I8)', '%FORMAT(10Q8)');
  assert.throws(() => parsePrmtop(badFormat, 'f.prmtop'), /f\.prmtop: line \d+: section POINTERS: unsupported format/);
  const noFormat = text.replace(/%FLAG CHARGE\s*\n%FORMAT\(5E16\.8\)/, '%FLAG CHARGE');
  assert.throws(
    () => parsePrmtop(noFormat, 'n.prmtop'),
    /n\.prmtop: line \d+: section CHARGE has data but no %FORMAT line/,
  );
  assert.throws(() => parsePrmtop('ACE\n    22\n', 'old.prmtop'), /old\.prmtop: .*old-style .* not supported/);
  assert.throws(() => parsePrmtop('', 'e.prmtop'), /e\.prmtop: empty file/);
  assert.throws(() => readPrmtop('/nonexistent/x.prmtop'), /\/nonexistent\/x\.prmtop: cannot read prmtop file/);
});

function withPointer(name: number, value: number): string {
  // POINTERS values are 10I8 on lines after the %FORMAT; rewrite entry `name` (0-based).
  const start = text.indexOf('%FLAG POINTERS');
  const dataStart = text.indexOf('\n', text.indexOf('%FORMAT', start)) + 1;
  const line = Math.floor(name / 10);
  let at = dataStart;
  for (let l = 0; l < line; l++) at = text.indexOf('\n', at) + 1;
  at += (name % 10) * 8;
  return text.slice(0, at) + String(value).padStart(8) + text.slice(at + 8);
}

test('unsupported content is refused naming the feature', () => {
  const box = withPointer(27, 1);
  assert.throws(
    () => prmtopToSystem(parsePrmtop(box, 'box.prmtop')),
    /box\.prmtop: a periodic box \(IFBOX = 1\) is not supported by the native AMBER engine/,
  );
  const extra = withPointer(30, 2);
  assert.throws(
    () => prmtopToSystem(parsePrmtop(extra, 'ep.prmtop')),
    /ep\.prmtop: extra points \/ virtual sites \(NUMEXTRA = 2\)/,
  );
  const cmap = text + '%FLAG CHARMM_CMAP_COUNT\n%FORMAT(2I8)\n       1       1\n';
  assert.throws(
    () => prmtopToSystem(parsePrmtop(cmap, 'cmap.prmtop')),
    /cmap\.prmtop: CMAP correction maps \(section CHARMM_CMAP_COUNT\)/,
  );
  // Real CMAP files carry their grids in a repeat-group format; the refusal must come first, not a
  // format error that reads like a corrupt file.
  const cmapGrid = cmap + '%FLAG CHARMM_CMAP_PARAMETER_01\n%FORMAT(8(F9.5))\n  0.12345  0.23456\n';
  assert.throws(
    () => prmtopToSystem(parsePrmtop(cmapGrid, 'grid.prmtop')),
    /grid\.prmtop: CMAP correction maps \(section CHARMM_CMAP_COUNT\).*use --engine openmm/s,
  );
  const pol =
    text +
    '%FLAG POLARIZABILITY\n%FORMAT(5E16.8)\n' +
    Array.from({ length: 22 }, (_, i) => '  1.00000000E+00' + ((i + 1) % 5 === 0 ? '\n' : '')).join('') +
    '\n';
  assert.throws(
    () => prmtopToSystem(parsePrmtop(pol, 'pol.prmtop')),
    /pol\.prmtop: atomic polarizabilities \(section POLARIZABILITY\)/,
  );
  const chamber = text.replace('%FLAG TITLE', '%FLAG CTITLE');
  assert.throws(() => prmtopToSystem(parsePrmtop(chamber, 'ch.prmtop')), /ch\.prmtop: a CHAMBER/);
  const noRadii = text.replace('%FLAG RADII', '%FLAG XRADII');
  assert.throws(
    () => prmtopToSystem(parsePrmtop(noRadii, 'nr.prmtop'), { solvent: 'obc2' }),
    /nr\.prmtop: implicit solvent obc2 needs GB radii/,
  );
  assert.equal(prmtopToSystem(parsePrmtop(noRadii, 'nr.prmtop'), { solvent: 'vacuum' }).gb, null);
});

test('inpcrd: coordinates in nm, velocities and box detected by count, truncation refused', () => {
  const c = readInpcrd(alaInpcrd);
  assert.equal(c.nAtoms, 22);
  assert.equal(c.title, 'ACE');
  assert.ok(Math.abs(c.positions[0]! - 0.2000001) < 1e-12);
  assert.equal(c.velocities, undefined);
  assert.equal(c.box, undefined);
  const two =
    'two atoms\n    3  10.5\n' +
    '   1.0000000   2.0000000   3.0000000   4.0000000   5.0000000   6.0000000\n   7.0000000   8.0000000   9.0000000\n';
  const vel =
    '   0.1000000   0.2000000   0.3000000   0.4000000   0.5000000   0.6000000\n   0.7000000   0.8000000   0.9000000\n';
  const box = '  30.0000000  31.0000000  32.0000000  90.0000000  90.0000000  90.0000000\n';
  const r = parseInpcrd(two + vel + box, 'r.rst7');
  assert.equal(r.time, 10.5);
  assert.ok(Math.abs(r.velocities![0]! - 0.1 * 2.0455) < 1e-12);
  assert.deepEqual([...r.box!], [3, 3.1, 3.2, 90, 90, 90]);
  assert.ok(parseInpcrd(two + box, 'b').box && !parseInpcrd(two + box, 'b').velocities);
  assert.ok(parseInpcrd(two + vel, 'v').velocities && !parseInpcrd(two + vel, 'v').box);
  // touching fixed-width fields are split by width
  const touching = parseInpcrd('t\n    1\n-100.0000000-200.0000000 300.0000000\n', 't');
  assert.deepEqual([...touching.positions], [-10, -20, 30]);
  assert.throws(
    () => parseInpcrd('t\n    3\n   1.0000000   2.0000000\n', 'cut.inpcrd'),
    /cut\.inpcrd: truncated: 3 atoms need 9 coordinates, found 2/,
  );
  assert.throws(() => parseInpcrd('t\n  abc\n', 'h.inpcrd'), /h\.inpcrd: line 2: expected the number of atoms/);
  assert.throws(
    () => parseInpcrd('t\n    1\n   1.0000000   x.0000000   3.0000000\n', 'x.inpcrd'),
    /x\.inpcrd: line 3: field "x\.0000000" is not a number/,
  );
});
