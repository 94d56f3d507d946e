/**
 * A plugin written outside this repository works the way a user would install it.
 *
 * Packs every workspace package, test/third-party-plugin (embedcg-plugin-quartic) and
 * test/model-plugin-gaussian (embedcg-model-gaussian), installs all tarballs into a fresh project
 * (from npm's cache: --prefer-offline), and there:
 *   - checks the tarballs and imports every workspace package (the shared part of
 *     tools/check-packages.mjs, so the packing and the install are done once);
 *   - trains with the plugin's force field and @embedcg/model-vae through the project's own
 *     `embedcg` binary, and evaluates the run (the plugin has no exact reference);
 *   - finds the plugin in `embedcg plugins --json` and its options in `embedcg schema`;
 *   - runs core's conformance testkit on the plugin, and shows that the testkit catches a
 *     plugin whose forces have the wrong sign;
 *   - runs the model plugin's checks (test/model-plugin-gaussian-checks.mjs): one TensorFlow.js,
 *     the testkit, training from a JSON config naming it, and evaluate;
 *   - checks the install's TensorFlow.js (test/install-footprint-checks.mjs): no @tensorflow
 *     package, at most 150 MB, one tfjs in a process with the plugins, and a stub of the optional
 *     @tensorflow/tfjs-node backend found by `--backend auto`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, runCli, tempDir } from './support.mjs';
import {
  childEnv,
  importProblems,
  installInto,
  packWorkspaces,
  tarballProblems,
  publishProblems,
  undeclaredImportProblems,
} from '../tools/check-packages.mjs';
import { checkGaussianPlugin, gaussianDir } from './model-plugin-gaussian-checks.mjs';
import { checkInstallFootprint } from './install-footprint-checks.mjs';

const pluginDir = join(repoRoot, 'test', 'third-party-plugin');
const pluginManifest = JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8'));
const { API_VERSION } = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);

function exec(cmd, args, cwd) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: childEnv(), maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Run a module script with the project folder as cwd, so bare imports resolve from its node_modules. */
async function runInProject(project, script) {
  const r = await exec(process.execPath, ['--input-type=module', '-e', script], project);
  assert.equal(r.code, 0, `script in the project failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test(
  'third-party plugin packages (a force field, a model), packed and installed with the packed workspace, train and conform',
  { timeout: 420_000 },
  async (t) => {
    const work = tempDir(t, 'embedcg-third-party-');
    const tarballs = join(work, 'tarballs');
    const project = join(work, 'project');
    mkdirSync(project, { recursive: true });

    // Pack.
    const packs = await packWorkspaces(tarballs);
    const pp = await exec('npm', ['pack', '--json', '--pack-destination', tarballs], pluginDir);
    assert.equal(pp.code, 0, pp.stderr);
    const pluginPack = JSON.parse(pp.stdout)[0];
    assert.deepEqual(pluginPack.files.map((f) => f.path).sort(), ['README.md', 'index.js', 'package.json']);
    const gp = await exec('npm', ['pack', '--json', '--pack-destination', tarballs], gaussianDir);
    assert.equal(gp.code, 0, gp.stderr);
    const gaussianPack = JSON.parse(gp.stdout)[0];
    assert.deepEqual(gaussianPack.files.map((f) => f.path).sort(), ['README.md', 'index.js', 'package.json']);

    await t.test('every workspace tarball is complete and clean, and declares what it imports', () => {
      const problems = packs.flatMap((p) => [
        ...tarballProblems(p),
        ...undeclaredImportProblems(p),
        ...publishProblems(p),
      ]);
      assert.deepEqual(problems, []);
    });

    // Install everything into the project, as a user would.
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'ring-study', version: '1.0.0', private: true, type: 'module' }, null, 2),
    );
    const inst = await installInto(project, [
      ...packs.map((p) => p.tarball),
      join(tarballs, pluginPack.filename),
      join(tarballs, gaussianPack.filename),
    ]);
    assert.ok(inst.ok, inst.output);
    const bin = join(project, 'node_modules', '@embedcg', 'cli', 'dist', 'bin.js');
    assert.ok(existsSync(join(project, 'node_modules', '.bin', 'embedcg')), 'the embedcg bin is linked');

    await t.test('one copy of @embedcg/core serves every package', () => {
      const nested = readdirSync(join(project, 'node_modules', '@embedcg')).filter((d) =>
        existsSync(join(project, 'node_modules', '@embedcg', d, 'node_modules', '@embedcg', 'core')),
      );
      assert.deepEqual(nested, []);
      assert.ok(
        !existsSync(join(project, 'node_modules', pluginManifest.name, 'node_modules')),
        'the plugin brings no private copy of core',
      );
    });

    await t.test('every workspace package imports from the fresh install', async () => {
      const problems = [];
      for (const p of packs) problems.push(...(await importProblems(project, p)));
      assert.deepEqual(problems, []);
    });

    await t.test('embedcg plugins --json lists the third-party plugin with name, version, kind and apiVersion', () => {
      const r = runCli(['plugins', '--json'], { cwd: project, bin });
      assert.equal(r.code, 0, r.stderr);
      const row = JSON.parse(r.stdout).find((x) => x.package === pluginManifest.name);
      assert.deepEqual(row, {
        name: 'quartic-ring',
        package: pluginManifest.name,
        version: pluginManifest.version,
        kind: 'forcefield',
        apiVersion: API_VERSION,
      });
    });

    await t.test("embedcg schema includes the plugin's options", () => {
      const r = runCli(['schema'], { cwd: project, bin });
      assert.equal(r.code, 0, r.stderr);
      const branch = JSON.parse(r.stdout).properties.forceField.allOf.find(
        (b) => b.if.properties.package.const === pluginManifest.name,
      );
      assert.deepEqual(Object.keys(branch.then.properties.options.properties).sort(), ['k', 'radius', 'tilt']);
    });

    await t.test(
      'embedcg train with the plugin force field and the VAE writes history and a checkpoint; evaluate works without a reference',
      () => {
        writeFileSync(
          join(project, 'config.json'),
          JSON.stringify(
            {
              name: 'ring',
              seed: 2,
              forceField: { package: pluginManifest.name, name: 'quartic-ring', options: { k: 8, tilt: 0.3 } },
              model: {
                package: '@embedcg/model-vae',
                name: 'vae',
                options: { latentDim: 1, decoderHidden: [16], encoderHidden: [16], encoderActivations: ['tanh'] },
              },
              schedule: { package: '@embedcg/core', name: 'kl-increase', options: { samples: 128 } },
              training: {
                batchSize: 64,
                initialSteps: 10,
                stepsPerLevel: 5,
                finalSteps: 10,
                historyEvery: 5,
                checkpointEvery: 10,
              },
              evaluation: { samples: 200, batchSize: 200 },
            },
            null,
            2,
          ),
        );
        const r = runCli(['train', 'config.json', '--out', 'run', '--max-steps', '20', '--no-progress'], {
          cwd: project,
          bin,
        });
        assert.equal(r.code, 0, r.stderr);
        const run = join(project, 'run');
        const history = readFileSync(join(run, 'history.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        const steps = history.filter((h) => typeof h.step === 'number').map((h) => h.step);
        assert.deepEqual(steps, [5, 10, 15, 20], 'historyEvery 5, stopped by --max-steps 20');
        assert.ok(
          history.some((h) => h.type === 'level'),
          'the schedule raised β at least once',
        );
        assert.equal(
          JSON.parse(readFileSync(join(run, 'checkpoint', 'state.json'), 'utf8')).step,
          20,
          'checkpoint at the stop',
        );
        assert.ok(existsSync(join(run, 'checkpoint', 'weights.bin')), 'checkpoint holds the weights');
        const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
        assert.deepEqual(meta.plugins.forceField, {
          package: pluginManifest.name,
          name: 'quartic-ring',
          version: pluginManifest.version,
        });
        const ev = runCli(['evaluate', 'run', '--json', '--n', '200'], { cwd: project, bin });
        assert.equal(ev.code, 0, ev.stderr);
        const metrics = JSON.parse(ev.stdout);
        assert.equal(metrics.samples, 200);
        assert.ok(Number.isFinite(metrics.logZ) && Number.isFinite(metrics.ess), JSON.stringify(metrics));
        for (const [k, v] of Object.entries(metrics)) {
          if (typeof v === 'number') assert.ok(!Number.isNaN(v), `metric ${k} is NaN`);
        }
      },
    );

    await t.test("core's conformance testkit passes the plugin and catches a broken variant", async () => {
      const out = await runInProject(
        project,
        `
      import { runPluginConformance } from '@embedcg/core/testkit';
      import { plugins } from ${JSON.stringify(pluginManifest.name)};
      const good = await runPluginConformance(plugins[0]);
      // The same plugin with forces of the wrong sign (+∇U): the testkit must refuse it.
      const flipped = { ...plugins[0], async create(o, c) {
        const ff = await plugins[0].create(o, c);
        return { ...ff, evaluate(x, n, e) { const b = ff.evaluate(x, n, e); return { ...b, forces: b.forces.map((f) => -f) }; } };
      } };
      const bad = await runPluginConformance(flipped, { throwOnFailure: false });
      console.log(JSON.stringify({ good, bad }));`,
      );
      assert.ok(out.good.length >= 5, JSON.stringify(out.good));
      for (const c of out.good) assert.equal(c.passed, true, `${c.check}: ${c.detail}`);
      for (const name of ['forces vs finite differences', 'batch invariance', 'bad input', 'determinism']) {
        assert.ok(
          out.good.some((c) => c.check === name),
          `check "${name}" ran`,
        );
      }
      const fd = out.bad.find((c) => c.check === 'forces vs finite differences');
      assert.equal(fd.passed, false, 'wrong-sign forces must fail the finite-difference check');
      assert.match(fd.detail, /quartic-ring: configuration \d+, coordinate \d+/);
    });

    await checkGaussianPlugin(t, { project, bin, runInProject });
    await checkInstallFootprint(t, { project, bin, runInProject, tarballs, exec });
  },
);
