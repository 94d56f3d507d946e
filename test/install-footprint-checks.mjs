/**
 * Checks of the TensorFlow.js that a user project gets, run by test/third-party-plugin.test.mjs in
 * the project it has packed and installed (the workspace tarballs, so the CLI and every package it
 * depends on, and the two example plugins):
 *   - node_modules holds no @tensorflow package and weighs at most 150 MB; `embedcg --version` runs;
 *   - a process with core, both model plugins and the example model plugin loads one TensorFlow.js:
 *     every module it loads that holds tfjs code is core's bundle (dist/tf), and a kernel registered
 *     through one import is seen through the other;
 *   - TypeScript finds tf's types in core's tarball (nodenext resolution, no skipLibCheck);
 *   - with a stub of @tensorflow/tfjs-node installed (test/fixtures/tfjs-node-stub: same shape, its
 *     own tfjs-core), `train --backend auto` and `evaluate` run on it, `selectBackend('tensorflow')`
 *     selects it, and its kernels compute a gradient.
 * Installing the stub adds a tfjs-core copy, so these checks run last.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installInto } from '../tools/check-packages.mjs';
import { repoRoot, runCli, tinyDoubleWellConfig } from './support.mjs';

export const INSTALL_LIMIT_MB = 150;
const stubDir = join(repoRoot, 'test', 'fixtures', 'tfjs-node-stub');

/** Size on disk (MB, as `du` counts it) of `dir` and of each package directly under node_modules. */
export function installSizes(project) {
  const nm = join(project, 'node_modules');
  const mb = (p) => Number(execFileSync('du', ['-sk', p], { encoding: 'utf8' }).split('\t')[0]) / 1024;
  const rows = [];
  for (const e of readdirSync(nm).filter((n) => !n.startsWith('.'))) {
    const names = e.startsWith('@') ? readdirSync(join(nm, e)).map((s) => `${e}/${s}`) : [e];
    for (const n of names) rows.push({ name: n, mb: mb(join(nm, n)) });
  }
  rows.sort((a, b) => b.mb - a.mb);
  return { total: mb(nm), packages: rows };
}

// A load hook that appends every module URL the process loads to the file named in its data.
const LOAD_HOOK = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`;

export async function checkInstallFootprint(t, { project, bin, runInProject, tarballs, exec }) {
  await t.test(`the install holds no @tensorflow package and is at most ${INSTALL_LIMIT_MB} MB`, (st) => {
    assert.ok(!existsSync(join(project, 'node_modules', '@tensorflow')), 'no @tensorflow package is installed');
    const { total, packages } = installSizes(project);
    const top = packages
      .slice(0, 8)
      .map((p) => `${p.name} ${p.mb.toFixed(1)}`)
      .join(', ');
    st.diagnostic(`node_modules ${total.toFixed(1)} MB; largest: ${top}`);
    assert.ok(total <= INSTALL_LIMIT_MB, `node_modules is ${total.toFixed(1)} MB; largest: ${top}`);
    const r = runCli(['--version'], { cwd: project, bin });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\d+\.\d+\.\d+/);
  });

  await t.test('core, both model plugins and the example model plugin load one TensorFlow.js: core/dist/tf', () => {
    writeFileSync(join(project, 'load-hook.mjs'), LOAD_HOOK);
    const log = join(project, 'loaded.txt');
    writeFileSync(log, '');
    const script = `
      import { register } from 'node:module';
      register('./load-hook.mjs', import.meta.url, { data: { file: ${JSON.stringify(log)} } });
      const core = await import('@embedcg/core');
      const tf = await import('@embedcg/core/tf');
      await core.selectBackend('cpu');
      for (const spec of ['@embedcg/model-flow', '@embedcg/model-vae', 'embedcg-model-gaussian']) await import(spec);
      const ctx = { configDir: '.', seed: 0, log() {}, modelDimension: 2 };
      const gaussian = (await import('embedcg-model-gaussian')).gaussian;
      const model = await gaussian.create({ scope: 'probe', initialLogStd: 0 }, ctx);
      model.dispose();
      core.tf.registerKernel({ kernelName: 'EmbedcgProbe', backendName: 'cpu', kernelFunc: () => [] });
      console.log(JSON.stringify({ seen: tf.getKernel('EmbedcgProbe', 'cpu') !== undefined, same: core.tf.Tensor === tf.Tensor }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      encoding: 'utf8',
    });
    const res = JSON.parse(out.trim().split('\n').pop());
    assert.deepEqual(res, { seen: true, same: true });
    const tfModules = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => /tensorflow|tfjs|\/dist\/tf\//.test(u))
      .map((u) => u.slice(u.indexOf('/node_modules/') + 1));
    assert.ok(tfModules.length > 0, 'the hook saw the bundle load');
    for (const u of tfModules) assert.match(u, /^node_modules\/@embedcg\/core\/dist\/tf\/(tf|chunk-\w+)\.js$/);
  });

  await checkTypes(t, project);
  await checkTfjsNodeStub(t, { project, bin, runInProject, tarballs, exec });
}

// A plugin's use of tf in TypeScript, with one deliberate type error on line 9.
const TYPED_PLUGIN = `import * as tf from '@embedcg/core/tf';
import { tf as tf2 } from '@embedcg/core';
import { setWasmPaths } from '@embedcg/core/tf/backend-wasm';
const x: tf.Tensor2D = tf.tensor2d([[1, 2]]);
const v: tf.Variable = tf.variable(x, true, 'typed/w');
const g = tf.grad((a: tf.Tensor) => a.square().sum());
const same: typeof tf.Tensor = tf2.Tensor;
setWasmPaths('./');
const wrong: string = tf.scalar(1).square();
export { g, v, same, wrong };
`;

async function checkTypes(t, project) {
  await t.test("a TypeScript plugin gets tf's types from core's tarball, checked without skipLibCheck", () => {
    writeFileSync(join(project, 'typed.ts'), TYPED_PLUGIN);
    // A plugin author has @types/node (core's declarations use it); the project has no @types.
    const typeRoots = [join(repoRoot, 'node_modules', '@types')];
    const options = {
      noEmit: true,
      strict: true,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: ['node'],
      typeRoots,
    };
    writeFileSync(
      join(project, 'tsconfig.typed.json'),
      JSON.stringify({ compilerOptions: options, files: ['typed.ts'] }),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    // nodenext, the strictest resolution (bundler was checked by hand too; each run takes seconds).
    const args = [tsc, '-p', 'tsconfig.typed.json', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
    // Exactly the one deliberate error: the types are tfjs's, not `any`.
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `typed.ts(9,7): error TS2322: Type 'Scalar' is not assignable to type 'string'.`,
    ]);
  });
}

async function checkTfjsNodeStub(t, { project, bin, runInProject, tarballs, exec }) {
  await t.test(
    'with a stub of @tensorflow/tfjs-node installed, --backend auto trains and evaluates on it, and tensorflow selects it',
    async () => {
      const pk = await exec('npm', ['pack', '--json', '--pack-destination', tarballs], stubDir);
      assert.equal(pk.code, 0, pk.stderr);
      const inst = await installInto(project, [join(tarballs, JSON.parse(pk.stdout)[0].filename)]);
      assert.ok(inst.ok, inst.output);
      writeFileSync(join(project, 'tiny.json'), JSON.stringify(tinyDoubleWellConfig('tiny-tfjs-node', 5), null, 2));
      const r = runCli(['train', 'tiny.json', '--out', 'tfjs-node-run', '--backend', 'auto', '--no-progress'], {
        cwd: project,
        bin,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(readFileSync(join(project, 'tfjs-node-run', 'run.json'), 'utf8')).backend, 'tensorflow');
      // evaluate selects its backend with auto too.
      const ev = runCli(['evaluate', 'tfjs-node-run', '--json', '--n', '200'], { cwd: project, bin });
      assert.equal(ev.code, 0, ev.stderr);
      assert.ok(Number.isFinite(JSON.parse(ev.stdout).logZ), ev.stdout);
      // In one process, as `--backend tensorflow` does: the stub is selected by name, and a gradient
      // computed there runs on its kernels.
      const res = await runInProject(
        project,
        `
      import { selectBackend, tf } from '@embedcg/core';
      const backend = await selectBackend('tensorflow');
      const g = tf.grad((x) => tf.sum(tf.tanh(x)))(tf.tensor1d([0.5])).dataSync()[0];
      console.log(JSON.stringify({ backend, g, calls: globalThis.__tfjsNodeStubCalls }));`,
      );
      assert.equal(res.backend, 'tensorflow');
      assert.ok(res.calls > 0, 'the stub backend ran kernels');
      assert.ok(Math.abs(res.g - (1 - Math.tanh(0.5) ** 2)) < 1e-6, JSON.stringify(res));
    },
  );
}
