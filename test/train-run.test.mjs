// The run folder from code and from the CLI: trainRun makes the same run as `embedcg train`, and
// `embedcg evaluate` reopens it; runs written before run formats were recorded (format 1) still
// evaluate and resume; a run of a format this core does not read is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FORMAT, trainRun } from '@embedcg/core';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const fixtures = join(repoRoot, 'test', 'fixtures', 'run-format-1');
const TIMING = new Set(['wallSeconds', 'ms']);
const json = (path) => JSON.parse(readFileSync(path, 'utf8'));
const untimed = (rec) => Object.fromEntries(Object.entries(rec).filter(([k]) => !TIMING.has(k)));
const history = (run) =>
  readFileSync(join(run, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => untimed(JSON.parse(l)));
const weights = (run) => readFileSync(join(run, 'checkpoint', 'weights.bin'));

function evaluate(run) {
  const r = runCli(['evaluate', run, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test(
  'trainRun makes the run `embedcg train` makes, and `embedcg evaluate` reopens it',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t);
    const configPath = join(dir, 'tiny.json');
    writeFileSync(configPath, JSON.stringify(tinyDoubleWellConfig('train-run')));
    const cliRun = join(dir, 'cli');
    const cli = runCli(['train', configPath, '--out', cliRun, '--no-progress']);
    assert.equal(cli.code, 0, cli.stderr);

    const libRun = join(dir, 'lib');
    const r = await trainRun({ configPath, out: libRun, progress: false, searchDirs: [repoRoot] });
    assert.equal(r.status, 'done');
    assert.deepEqual(json(join(libRun, 'metrics.json')), r.metrics, 'metrics.json holds the returned metrics');
    assert.equal(json(join(libRun, 'run.json')).runFormat, RUN_FORMAT);
    assert.equal(json(join(cliRun, 'run.json')).runFormat, RUN_FORMAT);
    assert.deepEqual(json(join(libRun, 'config.json')), json(join(cliRun, 'config.json')));
    assert.deepEqual(history(libRun), history(cliRun), 'the same steps, losses and levels');
    assert.ok(weights(libRun).equals(weights(cliRun)), 'the same weights bit for bit');

    const fromLib = evaluate(libRun);
    assert.deepEqual(fromLib, r.metrics, 'evaluate reproduces the metrics of the run made from code');
    assert.deepEqual(untimed(fromLib), untimed(evaluate(cliRun)), 'and they are the CLI-made run’s');

    // A config object instead of a file (with an override): the same run.
    const objRun = join(dir, 'object');
    const fromObject = await trainRun({
      config: { ...tinyDoubleWellConfig('train-run'), seed: 99 },
      set: ['seed=3'],
      configDir: dir,
      out: objRun,
      progress: false,
      searchDirs: [repoRoot],
    });
    assert.deepEqual(untimed(fromObject.metrics), untimed(r.metrics));
    assert.deepEqual(json(join(objRun, 'run.json')).configOverrides, ['seed=3']);
    await assert.rejects(
      trainRun({ configPath, config: {}, out: join(dir, 'neither') }),
      /give exactly one of configPath \(a config file\) and config/,
    );

    await assert.rejects(
      trainRun({ configPath, out: libRun, progress: false, searchDirs: [repoRoot] }),
      (e) => e.name === 'InputError' && /already holds a run; pass --resume to continue it or --force/.test(e.message),
    );
  },
);

test('a format-1 run (no runFormat in run.json) evaluates to its metrics', { timeout: 60_000 }, () => {
  const full = join(fixtures, 'full');
  assert.equal(json(join(full, 'run.json')).runFormat, undefined, 'the fixture predates run formats');
  // Metrics added since the fixture was recorded (essSmoothed) come on top; the old ones are exact.
  const { essSmoothed, ...old } = evaluate(full);
  assert.ok(essSmoothed > 0 && essSmoothed <= 1, `essSmoothed ${essSmoothed}`);
  assert.deepEqual(old, json(join(full, 'metrics.json')));
});

test(
  'format-1 runs stopped in tempering and in the final stage resume to exactly the run the old core made',
  { timeout: 120_000 },
  (t) => {
    const dir = tempDir(t);
    const full = join(fixtures, 'full');
    for (const stopped of ['stopped-1', 'stopped-23']) {
      const run = join(dir, stopped);
      cpSync(join(fixtures, stopped), run, { recursive: true });
      const r = runCli(['train', join(fixtures, 'tiny.json'), '--out', run, '--resume', '--no-progress']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`resuming from step ${stopped.slice('stopped-'.length)}\\b`));
      // Step lines written after the fixture also carry the fields added since (gradNorm,
      // maxBetaEnergy); every field the old core wrote must match it exactly.
      const resumed = history(run);
      assert.ok(resumed.slice(-1)[0].gradNorm > 0, `${stopped}: the resumed steps record their gradient norm`);
      assert.deepEqual(
        resumed.map(({ gradNorm: _g, maxBetaEnergy: _m, ...old }) => old),
        history(full),
        `${stopped}: history as the old core's uninterrupted run`,
      );
      assert.ok(weights(run).equals(weights(full)), `${stopped}: final weights bit for bit`);
      const { essSmoothed: _s, ...metrics } = untimed(json(join(run, 'metrics.json')));
      assert.deepEqual(metrics, untimed(json(join(full, 'metrics.json'))));
      assert.equal(
        json(join(run, 'run.json')).runFormat,
        RUN_FORMAT,
        'the resumed run is marked with the current format',
      );
    }
  },
);

test(
  'a run of a newer run format is refused, naming its format and the formats this core reads',
  { timeout: 60_000 },
  (t) => {
    const run = join(tempDir(t), 'future');
    cpSync(join(fixtures, 'stopped-23'), run, { recursive: true });
    const meta = json(join(run, 'run.json'));
    writeFileSync(join(run, 'run.json'), JSON.stringify({ ...meta, runFormat: 99 }));
    for (const args of [
      ['evaluate', run, '--json'],
      ['train', join(fixtures, 'tiny.json'), '--out', run, '--resume', '--no-progress'],
    ]) {
      const msg = assertCleanError(runCli(args));
      assert.match(msg, /run\.json: the run has run format 99/);
      assert.match(msg, /reads run formats 1 and 2/);
    }
  },
);
