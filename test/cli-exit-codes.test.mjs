/**
 * The exit-code contract per command (0 ok, 1 failure during work, 2 bad usage or input), for the
 * cases the other CLI tests leave out. Where each command's codes are tested:
 *
 * | command  | 0                                   | 1                        | 2                                 |
 * |----------|-------------------------------------|--------------------------|-----------------------------------|
 * | train    | cli-bad-config, force-check         | here (force field fails) | cli-bad-config, cli-numbers, …    |
 * | evaluate | alanine, latent-samples             | here (force field fails) | alanine, cli-numbers              |
 * | sample   | alanine                             | here (force field fails) | cli-numbers, cli-output-paths     |
 * | report   | readme-commands                     | here (force field fails) | alanine, cli-output-paths         |
 * | cvs      | alanine, cvs-capture                | alanine (disk full)      | cli-numbers, cli-output-paths, cvs-capture |
 * | decode   | alanine                             | here (force field fails) | alanine, cli-numbers              |
 * | energy   | cli-energy                          | cli-energy (child dies)  | cli-energy, cli-openmm-input      |
 * | md       | here                                | here (server dies)       | cli-numbers, cli-openmm-input     |
 * | prepare  | here                                | here (server dies)       | cli-output-paths, cli-openmm-input|
 * | config   | config-extends                      | here (disk full)         | cli-bad-config                    |
 * | schema   | cli-surface, cli-pipes              | here (disk full)         | here (unknown option)             |
 * | plugins  | cli-surface                         | here (disk full)         | here (unknown option)             |
 *
 * train's Ctrl-C (130) is in train-interrupt-serve and interrupt-openmm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, trainRun } from '@embedcg/core';
import { assertCleanError, dyingPython, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

/** The 2-D double well, failing on every evaluation after the first FLAKY_FAIL_AFTER of its process. */
const flakyModule = `
let calls = 0;
export const plugins = [{
  kind: 'forcefield', name: 'flaky-well', version: '1.0.0', apiVersion: ${API_VERSION},
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create() {
    return { name: 'flaky-well', dimension: 2, initialPositions: Float64Array.from([-1, 0]),
      evaluate(x, n, o = {}) {
        if (++calls > Number(process.env.FLAKY_FAIL_AFTER ?? Infinity)) throw new Error('the energy server went away');
        const energies = new Float64Array(n), forces = new Float64Array(o.energiesOnly ? 0 : 2 * n);
        for (let i = 0; i < n; i++) {
          const [a, b] = [x[2 * i], x[2 * i + 1]];
          energies[i] = (a * a - 1) ** 2 + 0.5 * b * b;
          if (!o.energiesOnly) [forces[2 * i], forces[2 * i + 1]] = [-4 * a * (a * a - 1), -b];
        }
        return { energies, forces };
      } };
  },
}];
`;

const failed = /^error: the energy server went away$/m;

test('a force field failing during the work: train, evaluate, sample, report and decode exit 1', async (t) => {
  const dir = tempDir(t, 'embedcg-exit-1-');
  writeFileSync(join(dir, 'flaky.mjs'), flakyModule);
  const configPath = join(dir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({ ...tinyDoubleWellConfig('flaky'), forceField: { package: './flaky.mjs', name: 'flaky-well' } }),
  );
  const run = join(dir, 'run');
  const trained = await trainRun({ configPath, out: run, progress: false, searchDirs: [repoRoot] });
  assert.equal(trained.status, 'done');
  // Past the force check (which is the run's first evaluations), during the training steps.
  const env = { FLAKY_FAIL_AFTER: '8' };
  const train = runCli(['train', configPath, '--out', join(dir, 'run2'), '--no-progress'], { env });
  assert.match(assertCleanError(train, 1), failed);
  assert.ok(existsSync(join(dir, 'run2', 'config.json')), 'the run had started: the failure came during the work');
  const open = ['--allow-path-plugins'];
  for (const args of [
    ['evaluate', run, '-n', '20'],
    ['sample', run, '-n', '20', '--out', join(dir, 's.csv')],
    ['report', run, '-n', '20'],
    ['decode', run, '--grid', '3', '--out', join(dir, 'd.pdb')],
  ]) {
    const r = runCli([...args, ...open], { env: { FLAKY_FAIL_AFTER: '0' } });
    assert.match(assertCleanError(r, 1), failed, args[0]);
  }
});

const shared = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
const ala = join(shared, 'data', 'alanine-dipeptide', 'alanine-dipeptide-implicit');

test('md and prepare through the CLI: exit 0, also with a System XML and a PDB in its order', (t) => {
  const dir = tempDir(t);
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import openmm'], { encoding: 'utf8' });
  if (probe.status !== 0 || !existsSync(`${ala}.prmtop`))
    return t.skip('OpenMM or the shared alanine files are missing');
  const p = runCli(['prepare', '--prmtop', `${ala}.prmtop`, '--solvent', 'obc2', '--out', join(dir, 's.json')]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /wrote .*s\.json \(22 atoms/);
  const xml = join(dir, 'ala2.xml');
  const script = `import openmm.app as app, openmm as mm, sys
open(sys.argv[2], 'w').write(mm.XmlSerializer.serialize(app.AmberPrmtopFile(sys.argv[1]).createSystem()))`;
  assert.equal(spawnSync('/usr/bin/python3', ['-c', script, `${ala}.prmtop`, xml]).status, 0);
  const out = join(dir, 't.dcd');
  const md = runCli([
    'md',
    '--system-xml',
    xml,
    '--coords',
    `${ala}.pdb`,
    '--steps',
    '4',
    '--interval',
    '2',
    '--out',
    out,
  ]);
  assert.equal(md.code, 0, md.stderr);
  assert.ok(existsSync(out) && existsSync(join(dir, 't.energies.csv')));
});

test('an OpenMM server dying during md or prepare is exit 1, not bad input', (t) => {
  const dir = tempDir(t);
  const md = dyingPython(dir, 'md');
  if (!md || !existsSync(`${ala}.prmtop`)) return t.skip('OpenMM or the shared alanine files are missing');
  const source = ['--prmtop', `${ala}.prmtop`, '--coords', `${ala}.inpcrd`];
  const r = runCli(['md', ...source, '--steps', '10', '--interval', '5', '--out', join(dir, 't.dcd')], {
    env: { EMBEDCG_PYTHON: md },
  });
  assert.match(assertCleanError(r, 1), /child died|exited with code 9/);
  const p = runCli(['prepare', ...source, '--out', join(dir, 's.json')], {
    env: { EMBEDCG_PYTHON: dyingPython(dir, 'export') },
  });
  assert.match(assertCleanError(p, 1), /child died|exited with code 9/);
});

test(
  'stdout on a full disk: schema, plugins and config exit 1 with one message, no stack',
  { skip: !existsSync('/dev/full') && 'no /dev/full' },
  () => {
    for (const args of [['schema'], ['plugins'], ['config', join(repoRoot, 'examples', 'double-well.json')]]) {
      const r = runCli(args, { stdoutFile: '/dev/full' });
      assert.match(assertCleanError(r, 1), /^error: cannot write the output to stdout \(ENOSPC/m, args[0]);
    }
  },
);

test('schema and plugins: an unknown option is a usage error (exit 2)', () => {
  for (const command of ['schema', 'plugins']) {
    const msg = assertCleanError(runCli([command, '--bogus-option']), 2);
    assert.match(msg, /Unknown arguments?: bogus-option/, command);
  }
});
