/**
 * The TensorFlow.js that core bundles (tools/bundle-tf.mjs → dist/tf): its gradients are
 * registered (against closed forms), `tf` from the main entry is the same module as
 * '@embedcg/core/tf', the bundle needs no package at run time, and the wasm backend loads the
 * .wasm files that sit beside it, from any folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@embedcg/core/tf';
import { tf as tfFromIndex } from './index.js';

const bundleDir = join(dirname(fileURLToPath(import.meta.url)), 'tf');

test('gradients are registered: d/dx of sum(|x|) and sum(tanh x), and softplus via Adam, match closed forms', () => {
  const x = [-2, -0.5, 0.25, 3];
  const gAbs = tf.grad((t: tf.Tensor) => tf.sum(tf.abs(t)))(tf.tensor1d(x));
  assert.deepEqual(Array.from(gAbs.dataSync()), [-1, -1, 1, 1]);
  const gTanh = tf
    .grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(tf.tensor1d(x))
    .dataSync();
  x.forEach((v, i) => assert.ok(Math.abs(gTanh[i]! - (1 - Math.tanh(v) ** 2)) < 1e-6, `tanh' at ${v}`));
  // One Adam step moves every weight by -lr·sign(gradient) (m̂/√v̂ = g/|g| on the first step).
  const w = tf.variable(tf.tensor1d([0.5, -1]), true, 'tf-bundle-test-w');
  tf.train.adam(0.1).minimize(() => tf.sum(tf.softplus(w)) as tf.Scalar);
  const after = w.dataSync();
  assert.ok(Math.abs(after[0]! - 0.4) < 1e-6 && Math.abs(after[1]! + 1.1) < 1e-6, Array.from(after).join(', '));
  w.dispose();
});

test("`tf` from '@embedcg/core' is the module '@embedcg/core/tf'", () => {
  assert.equal(tfFromIndex.Tensor, tf.Tensor);
  assert.equal(tfFromIndex.engine(), tf.engine());
});

test('the bundle imports no package at run time, only node: builtins and its own files', () => {
  const bare: string[] = [];
  for (const f of readdirSync(bundleDir).filter((n) => n.endsWith('.js'))) {
    const js = readFileSync(join(bundleDir, f), 'utf8');
    for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (!spec.startsWith('.') && !spec.startsWith('node:') && !builtinModules.includes(spec))
        bare.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(bare, []);
});

/** Runs the bundle copied to a fresh folder: wasm backend selected, one gradient; returns the child's result. */
function wasmFromCopy(withWasmFiles: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-tf-bundle-'));
  try {
    cpSync(bundleDir, dir, { recursive: true, filter: (src) => withWasmFiles || !src.endsWith('.wasm') });
    const script = `
      const tf = await import(${JSON.stringify(pathToFileURL(join(dir, 'tf.js')).href)});
      await import(${JSON.stringify(pathToFileURL(join(dir, 'backend-wasm.js')).href)});
      tf.enableProdMode();
      let ok = false;
      try { ok = await tf.setBackend('wasm'); } catch {}
      const g = ok ? Array.from(tf.grad((t) => tf.sum(tf.tanh(t)))(tf.tensor1d([0.5])).dataSync()) : null;
      console.log(JSON.stringify({ ok, backend: ok ? tf.getBackend() : null, g }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the wasm backend runs from a copy of the bundle in any folder, reading the .wasm files beside it', () => {
  const withFiles = wasmFromCopy(true);
  assert.equal(withFiles.backend, 'wasm');
  assert.ok(Math.abs(withFiles.g[0] - (1 - Math.tanh(0.5) ** 2)) < 1e-6, JSON.stringify(withFiles));
  assert.equal(wasmFromCopy(false).ok, false, 'without the .wasm files beside it, the wasm backend cannot start');
});
