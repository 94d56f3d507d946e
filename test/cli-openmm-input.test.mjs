/**
 * Files paired with the OpenMM engine are checked natively before OpenMM starts, on every path a
 * user takes: a prmtop named in a training config (with `train`) or given to `energy`, and a PDB
 * paired with a serialized OpenMM System XML in `md` and `prepare` (the XML has only masses, so
 * the PDB's elements are compared with the elements they give). Exit 2, naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanError, repoRoot, runCli, tempDir } from './support.mjs';

const { readPrmtop } = await import(pathToFileURL(join(repoRoot, 'packages/forcefields/amber/dist/index.js')).href);

const shared = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
const ala = join(shared, 'data', 'alanine-dipeptide');
const prmtop = join(ala, 'alanine-dipeptide-implicit.prmtop');
const inpcrd = join(ala, 'alanine-dipeptide-implicit.inpcrd');
const ala2Pdb = join(repoRoot, 'examples', 'alanine-dipeptide', 'ala2.pdb');
const skip = existsSync(prmtop) ? false : `shared data missing (${prmtop})`;

/** The shared prmtop with its first bond pointer 3 changed to 4 (OpenMM reads it as atom 1). */
function badBondPrmtop(dir) {
  const text = readFileSync(prmtop, 'utf8');
  const at = text.indexOf('\n', text.indexOf('%FORMAT', text.indexOf('%FLAG BONDS_INC_HYDROGEN'))) + 1;
  const file = join(dir, 'bad-bond.prmtop');
  writeFileSync(file, text.slice(0, at) + '       4' + text.slice(at + 8));
  return file;
}

const corrupt = /bad-bond\.prmtop: section BONDS_INC_HYDROGEN: entry 1 has atom pointer 4, not a multiple of 3/;

test(
  'train: a config naming the openmm force field with a corrupt prmtop is refused naming the file (exit 2)',
  { skip },
  (t) => {
    const dir = tempDir(t);
    const config = {
      name: 'openmm-bad-prmtop',
      seed: 1,
      forceField: {
        package: '@embedcg/forcefield-openmm',
        name: 'openmm',
        options: { prmtop: 'bad-bond.prmtop', coordinates: inpcrd },
      },
      model: { package: '@embedcg/model-flow', name: 'flow' },
      schedule: { package: '@embedcg/core', name: 'kl-increase' },
    };
    badBondPrmtop(dir);
    writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
    const r = runCli(['train', join(dir, 'c.json'), '--out', join(dir, 'run')]);
    assert.match(assertCleanError(r, 2), corrupt);
  },
);

test('energy --engine openmm: a corrupt prmtop is refused as on the native engine (exit 2)', { skip }, (t) => {
  const bad = badBondPrmtop(tempDir(t));
  const r = runCli(['energy', '--prmtop', bad, '--coords', inpcrd, '--engine', 'openmm']);
  assert.match(assertCleanError(r, 2), corrupt);
});

test('md and prepare refuse a PDB in another atom order than a --system-xml, before OpenMM starts', { skip }, (t) => {
  const dir = tempDir(t);
  // A System XML as OpenMM writes it holds the masses in <Particles>; forces have <Particle> too.
  const masses = readPrmtop(prmtop).real('MASS');
  const xml = join(dir, 'ala2.xml');
  writeFileSync(
    xml,
    `<?xml version="1.0" ?>\n<System openmmVersion="7.7" type="System" version="1">\n\t<Particles>\n` +
      [...masses].map((m) => `\t\t<Particle mass="${m}"/>\n`).join('') +
      `\t</Particles>\n\t<Forces>\n\t\t<Force type="NonbondedForce"><Particles><Particle q="1" sig="1" eps="0"/></Particles></Force>\n\t</Forces>\n</System>\n`,
  );
  const order =
    /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(a particle of mass 1\.008\) in .*ala2\.xml \(elements differ\)/;
  const env = { EMBEDCG_PYTHON: join(dir, 'no-python') };
  // A PDB as the System's topology (--pdb) is checked as one given as --coords.
  const prepare = ['prepare', '--system-xml', xml, '--out', join(dir, 's.json')];
  assert.match(assertCleanError(runCli([...prepare, '--pdb', ala2Pdb], { env }), 2), order);
  // The count too, naming both files.
  const short = join(dir, 'short.pdb');
  writeFileSync(short, readFileSync(ala2Pdb, 'utf8').replace(/^ATOM.*\n/m, ''));
  const md = ['md', '--system-xml', xml, '--steps', '10', '--out', join(dir, 't.dcd')];
  const n = assertCleanError(runCli([...md, '--coords', short], { env }), 2);
  assert.match(n, /short\.pdb: has 21 atoms, but .*ala2\.xml has 22/);
});
