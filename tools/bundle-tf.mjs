#!/usr/bin/env node
/**
 * Builds the TensorFlow.js that @embedcg/core ships, into packages/core/dist/tf/:
 *   tf.js (+ a shared chunk)  `@embedcg/core/tf`: tfjs-core 4.22.0 with its gradients and chained
 *                             ops registered, and the cpu backend;
 *   backend-wasm.js           `@embedcg/core/tf/backend-wasm`: the wasm backend, registered with
 *                             the same engine when imported, and its three .wasm files beside it;
 *   tf.d.ts, tfjs-core/       tfjs-core's declarations, so plugin authors get types with no
 *                             @tensorflow package installed.
 * Why a bundle: the umbrella @tensorflow/tfjs installs about 290 MB (layers, converter, data,
 * webgl), and tfjs-core alone cannot be loaded in plain Node: its ESM build imports files without
 * extensions (ERR_MODULE_NOT_FOUND for the gradients) and its CommonJS build registers no
 * gradients. esbuild resolves the extensionless imports at build time. Runs before `tsc -b`,
 * because core's sources import `@embedcg/core/tf` and tsc reads tf.d.ts.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages', 'core', 'dist', 'tf');
const tfjs = join(root, 'node_modules', '@tensorflow');

// Node's CommonJS globals, which the emscripten loader of the wasm backend and tfjs-core's node
// platform (require('util')) use, defined from import.meta.url in each output file.
const banner = [
  "import { createRequire as __embedcgCreateRequire } from 'node:module';",
  "import { dirname as __embedcgDirname } from 'node:path';",
  "import { fileURLToPath as __embedcgFileURLToPath } from 'node:url';",
  'const require = __embedcgCreateRequire(import.meta.url);',
  'const __filename = __embedcgFileURLToPath(import.meta.url);',
  'const __dirname = __embedcgDirname(__filename);',
].join('\n');

async function bundle() {
  await build({
    entryPoints: {
      tf: join(root, 'tools', 'tf-bundle', 'tf.mjs'),
      'backend-wasm': join(root, 'tools', 'tf-bundle', 'backend-wasm.mjs'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The ESM builds (`module`): the `main` CommonJS builds would each carry their own tfjs-core.
    mainFields: ['module', 'main'],
    outdir: out,
    banner: { js: banner },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  for (const f of readdirSync(join(tfjs, 'tfjs-backend-wasm', 'dist')))
    if (f.endsWith('.wasm')) cpSync(join(tfjs, 'tfjs-backend-wasm', 'dist', f), join(out, f));
}

function* declarationFiles(dir) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* declarationFiles(p);
    else if (e.endsWith('.d.ts') && !e.endsWith('_test.d.ts')) yield p;
  }
}

/**
 * tfjs-core's .d.ts tree, as shipped, under tfjs-core/ with a package.json marking it CommonJS (its
 * relative imports have no extensions, which only CommonJS resolution accepts). Its only outside
 * references are @webgpu/types (the GPUBuffer of `dataToGPU`) and @types/long (hash_util's Long):
 * those types become `any`, so the declarations check without either installed.
 */
function declarations() {
  const src = join(tfjs, 'tfjs-core', 'dist');
  const dest = join(out, 'tfjs-core');
  for (const file of declarationFiles(src)) {
    // ops.d.ts names its own package in `import("@tensorflow/tfjs-core/dist/tensor")` types.
    const self = relative(dirname(file), src).split(sep).join('/') || '.';
    const text = readFileSync(file, 'utf8')
      .replaceAll('@tensorflow/tfjs-core/dist/', `${self.startsWith('.') ? self : `./${self}`}/`)
      .replace(/^\/\/\/ <reference types="@webgpu\/types\/dist" \/>\n/m, '')
      .replace(/\bGPUBuffer\b(?!Usage)/g, 'any')
      .replace(/\bGPUDevice\b/g, 'any')
      .replace(/\): Long;/g, '): any;');
    const target = join(dest, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  writeFileSync(join(dest, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(
    join(out, 'tf.d.ts'),
    [
      '// TensorFlow.js 4.22.0 (tfjs-core with its gradients and chained ops, the cpu backend), bundled by',
      '// @embedcg/core. Import it as `import * as tf from "@embedcg/core/tf"` or `import { tf } from "@embedcg/core"`.',
      "import './tfjs-core/public/chained_ops/register_all_chained_ops.js';",
      "export * from './tfjs-core/index.js';",
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(out, 'backend-wasm.d.ts'),
    [
      '// The wasm backend of TensorFlow.js 4.22.0, bundled by @embedcg/core; importing it registers the',
      "// backend 'wasm' (priority 2: it becomes the default). Its .wasm files sit beside this module.",
      'export declare function setWasmPaths(',
      '  prefixOrFileMap: string | { [file: string]: string },',
      '  usePlatformFetch?: boolean,',
      '): void;',
      'export declare function setThreadsCount(numThreads: number): void;',
      'export declare function getThreadsCount(): number;',
      'export declare const version_wasm: string;',
      '',
    ].join('\n'),
  );
}

rmSync(out, { recursive: true, force: true });
await bundle();
declarations();
