/**
 * Output paths are checked before any work, by every command that writes: a path inside a file,
 * a missing folder, a folder where a file goes; exit 2 naming the flag. And the printed resume
 * command of a stopped training quotes every word for the shell.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const shared = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
const ala = join(shared, 'data', 'alanine-dipeptide');
const prmtop = join(ala, 'alanine-dipeptide-implicit.prmtop');
const inpcrd = join(ala, 'alanine-dipeptide-implicit.inpcrd');
const ala2Pdb = join(repoRoot, 'examples', 'alanine-dipeptide', 'ala2.pdb');

/** A folder with a file `somefile.txt` and a trained tiny run `run`, shared by the tests. */
let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'embedcg-out-'));
  writeFileSync(join(dir, 'somefile.txt'), 'not a folder\n');
  writeFileSync(join(dir, 'dw.json'), JSON.stringify(tinyDoubleWellConfig()));
  const r = runCli(['train', 'dw.json', '--out', 'run', '--no-progress'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run in the shared folder and expect exit 2 with a message matching `pattern`, and no `made` file. */
function refused(args, pattern, made) {
  const r = runCli(args, { cwd: dir });
  assert.match(assertCleanError(r, 2), pattern);
  if (made) assert.ok(!existsSync(join(dir, made)), `${made} was written`);
}

test('train --out inside a file is refused before training', () => {
  refused(
    ['train', 'dw.json', '--out', 'somefile.txt/run'],
    /--out somefile\.txt\/run: somefile\.txt is a file, not a folder/,
  );
  refused(['train', 'dw.json', '--out', 'somefile.txt'], /--out somefile\.txt: is a file, not a folder/);
});

test('sample --out into a missing folder, inside a file or onto a folder is refused before drawing', () => {
  refused(['sample', 'run', '--out', 'missing/s.csv'], /--out missing\/s\.csv: the folder missing does not exist/);
  refused(['sample', 'run', '--out', 'somefile.txt/s.csv'], /--out somefile\.txt\/s\.csv: somefile\.txt is a file/);
  mkdirSync(join(dir, 'adir.csv'), { recursive: true });
  refused(['sample', 'run', '--out', 'adir.csv'], /--out adir\.csv: is a folder; give a file name/);
});

test('cvs and decode --out, and the report folder, are checked before any work', () => {
  refused(['cvs', 'run', '--coords', 'x.dcd', '--out', 'missing/c.csv'], /--out missing\/c\.csv: the folder missing/);
  refused(['decode', 'run', '--out', 'somefile.txt/d.pdb'], /--out somefile\.txt\/d\.pdb: somefile\.txt is a file/);
  writeFileSync(join(dir, 'run', 'report'), 'a file where the report folder goes\n');
  try {
    refused(['report', 'run', '-n', '10'], /report folder run\/report: is a file, not a folder/);
  } finally {
    rmSync(join(dir, 'run', 'report'));
  }
});

test('md --out and prepare --out/--out-pdb are checked before OpenMM starts', () => {
  const md = ['md', '--prmtop', prmtop, '--coords', inpcrd, '--steps', '10', '--interval', '5'];
  refused([...md, '--out', 'missing/t.dcd'], /--out missing\/t\.dcd: the folder missing does not exist/);
  refused(['prepare', '--prmtop', prmtop, '--out', 'missing/s.json'], /--out missing\/s\.json: the folder missing/);
  refused(
    ['prepare', '--prmtop', prmtop, '--coords', inpcrd, '--out', 's.json', '--out-pdb', 'somefile.txt/a.pdb'],
    /--out-pdb somefile\.txt\/a\.pdb: somefile\.txt is a file, not a folder/,
    's.json',
  );
});

test('md and prepare refuse a PDB --coords in another atom order than the --prmtop, before OpenMM starts', () => {
  const order = /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(HH31, residue 1 ACE\) in .*\.prmtop/;
  refused(['md', '--prmtop', prmtop, '--coords', ala2Pdb, '--steps', '10', '--out', 't.dcd'], order, 't.dcd');
  refused(
    ['prepare', '--prmtop', prmtop, '--coords', ala2Pdb, '--out', 's.json', '--out-pdb', 'a.pdb'],
    order,
    's.json',
  );
});

test('the printed resume command, run through the shell, gives back exactly the original arguments', (t) => {
  const d = tempDir(t);
  const config = join(d, "my 'config'.json");
  writeFileSync(config, JSON.stringify(tinyDoubleWellConfig()));
  const out = join(d, 'my run;$(id)');
  const sets = ['seed=4', 'name=a b $HOME'];
  const args = ['train', config, '--out', out, ...sets.flatMap((s) => ['--set', s]), '--max-steps', '1'];
  const r = runCli([...args, '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.includes('continue with: '));
  assert.ok(line, r.stderr);
  const printed = line.slice(line.indexOf('continue with: ') + 'continue with: '.length);
  const words = spawnSync('bash', ['-c', `printf '%s\\n' ${printed}`], { encoding: 'utf8' });
  assert.equal(words.status, 0, words.stderr);
  assert.deepEqual(words.stdout.split('\n').slice(0, -1), [
    'embedcg',
    'train',
    config,
    '--out',
    out,
    ...sets.flatMap((s) => ['--set', s]),
    '--resume',
  ]);
  // And resuming with those words finishes the run.
  const resumed = runCli(words.stdout.split('\n').slice(1, -1));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(readFileSync(join(out, 'metrics.json'), 'utf8').length > 0);
});
