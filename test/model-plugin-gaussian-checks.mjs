/**
 * Checks of test/model-plugin-gaussian (embedcg-model-gaussian) installed from its tarball, run by
 * test/third-party-plugin.test.mjs in the project it has packed and installed, so one pack and one
 * install serve both example plugins:
 *   - the plugin brings no copy of core or TensorFlow.js: the project's only tfjs is core's bundle;
 *   - core's conformance testkit passes it, given the model dimension in the context, and a second
 *     live instance under the same scope is refused by name;
 *   - `embedcg train` trains it from a JSON config naming it, the checkpoint holds its variables by
 *     name and its metadata, and `embedcg evaluate` reopens the run.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli } from './support.mjs';

export const gaussianDir = join(repoRoot, 'test', 'model-plugin-gaussian');
const manifest = JSON.parse(readFileSync(join(gaussianDir, 'package.json'), 'utf8'));
export const gaussianPackage = manifest.name;

/** Folders under `dir`/node_modules (nested too) that hold package `name`. */
function copiesOf(dir, name) {
  const found = [];
  const walk = (nm) => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, name, 'package.json'))) found.push(join(nm, name));
    for (const e of readdirSync(nm)) {
      const scoped = e.startsWith('@') ? readdirSync(join(nm, e)).map((s) => join(e, s)) : [e];
      for (const p of scoped) walk(join(nm, p, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

const trainConfig = {
  name: 'gaussian-double-well',
  seed: 4,
  forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
  model: { package: gaussianPackage, name: 'gaussian', options: { initialLogStd: -1 } },
  schedule: { package: '@embedcg/core', name: 'kl-increase', options: { samples: 128 } },
  training: { batchSize: 64, initialSteps: 10, stepsPerLevel: 5, finalSteps: 10, historyEvery: 5 },
  evaluation: { samples: 200, batchSize: 200 },
};

/**
 * Subtests on `project` (where the plugin's tarball is installed); `bin` is the project's embedcg,
 * `runInProject(project, script)` runs a module script there and returns its last stdout line as JSON.
 */
export async function checkGaussianPlugin(t, { project, bin, runInProject }) {
  await t.test('the model plugin brings no copy of core or tfjs: TensorFlow.js comes bundled in core', () => {
    assert.ok(!existsSync(join(project, 'node_modules', gaussianPackage, 'node_modules')));
    assert.deepEqual(copiesOf(project, '@embedcg/core'), [join(project, 'node_modules', '@embedcg', 'core')]);
    for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core'])
      assert.deepEqual(copiesOf(project, name), [], `${name} is installed`);
  });

  await t.test("core's testkit passes the Gaussian model given modelDimension; a clashing scope is named", async () => {
    const out = await runInProject(
      project,
      `
      import { modelDimension } from '@embedcg/core';
      import { runPluginConformance } from '@embedcg/core/testkit';
      import { gaussian } from ${JSON.stringify(gaussianPackage)};
      const context = { modelDimension: modelDimension({ modelDimension: 2 }, 'gaussian') };
      const good = await runPluginConformance(gaussian, { context });
      const noContext = await runPluginConformance(gaussian, { throwOnFailure: false });
      const ctx = { configDir: '.', seed: 0, log() {}, ...context };
      const a = await gaussian.create({ scope: 'gaussian', initialLogStd: 0 }, ctx);
      let clash = '';
      try { await gaussian.create({ scope: 'gaussian', initialLogStd: 0 }, ctx); } catch (e) { clash = e.message; }
      const b = await gaussian.create({ scope: 'other', initialLogStd: 0 }, ctx);
      const names = [...a.variables(), ...b.variables()].map((v) => v.name);
      a.dispose(); b.dispose();
      console.log(JSON.stringify({ good, noContext, clash, names }));`,
    );
    for (const c of out.good) assert.equal(c.passed, true, `${c.check}: ${c.detail}`);
    for (const name of ['model draw', 'determinism', 'draw logQ vs logProb', 'normalization'])
      assert.ok(
        out.good.some((c) => c.check === name),
        `check "${name}" ran`,
      );
    const draw = out.noContext.find((c) => c.check === 'model draw');
    assert.equal(draw.passed, false);
    assert.match(draw.detail, /gaussian model: the run gives no model dimension/);
    assert.match(out.clash, /Variable with name gaussian\/mean was already registered/);
    assert.deepEqual(out.names, ['gaussian/mean', 'gaussian/logStd', 'other/mean', 'other/logStd']);
  });

  await t.test('embedcg train trains the Gaussian model from a JSON config; evaluate reopens the run', () => {
    writeFileSync(join(project, 'gaussian.json'), JSON.stringify(trainConfig, null, 2));
    const r = runCli(['train', 'gaussian.json', '--out', 'gaussian-run', '--max-steps', '20', '--no-progress'], {
      cwd: project,
      bin,
    });
    assert.equal(r.code, 0, r.stderr);
    const run = join(project, 'gaussian-run');
    const weights = JSON.parse(readFileSync(join(run, 'checkpoint', 'weights.json'), 'utf8'));
    assert.deepEqual(
      weights.weightsManifest[0].weights.map((w) => [w.name, w.shape]),
      [
        ['gaussian/mean', [2]],
        ['gaussian/logStd', [2]],
      ],
    );
    assert.deepEqual(weights.model, { plugin: 'gaussian', dimension: 2, scope: 'gaussian' });
    const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.deepEqual(meta.plugins.model, { package: gaussianPackage, name: 'gaussian', version: manifest.version });
    const ev = runCli(['evaluate', 'gaussian-run', '--json', '--n', '200'], { cwd: project, bin });
    assert.equal(ev.code, 0, ev.stderr);
    const metrics = JSON.parse(ev.stdout);
    assert.equal(metrics.samples, 200);
    for (const k of ['logZ', 'ess', 'kl']) assert.ok(Number.isFinite(metrics[k]), `${k}: ${JSON.stringify(metrics)}`);
  });
}
