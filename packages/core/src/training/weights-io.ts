/**
 * Variables on disk in the tfjs weights format: `weights.json` holds a `weightsManifest`
 * ({paths, weights: [{name, shape, dtype}]}) as in a tfjs model.json, `weights.bin` the float32
 * values in order. tfjs has no file:// handler without tfjs-node, so core writes the format itself.
 */
import * as tf from '@embedcg/core/tf';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NamedValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

export function writeWeights(
  dir: string,
  prefix: string,
  items: NamedValues[],
  extra: Record<string, unknown> = {},
): void {
  const total = items.reduce((s, it) => s + it.values.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const it of items) {
    buf.set(it.values, off);
    off += it.values.length;
  }
  const manifest = {
    format: 'embedcg-weights',
    generatedBy: '@embedcg/core',
    ...extra,
    weightsManifest: [
      { paths: [`${prefix}.bin`], weights: items.map((it) => ({ name: it.name, shape: it.shape, dtype: 'float32' })) },
    ],
  };
  writeFileSync(join(dir, `${prefix}.bin`), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  writeFileSync(join(dir, `${prefix}.json`), JSON.stringify(manifest, null, 1));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the weights manifest as read from disk
export function readWeights(dir: string, prefix: string): { items: NamedValues[]; manifest: any } {
  const jsonPath = join(dir, `${prefix}.json`);
  const manifest = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const group = manifest?.weightsManifest?.[0];
  if (!group) throw new Error(`${jsonPath}: no weightsManifest`);
  const bin = readFileSync(join(dir, group.paths[0]));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const items: NamedValues[] = [];
  for (const w of group.weights as Array<{ name: string; shape: number[] }>) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (off + size > all.length)
      throw new Error(`${jsonPath}: weights.bin is shorter than the manifest says (truncated file?)`);
    items.push({ name: w.name, shape: w.shape, values: all.slice(off, off + size) });
    off += size;
  }
  return { items, manifest };
}

export function variablesToValues(vars: tf.Variable[]): NamedValues[] {
  return vars.map((v) => ({ name: v.name, shape: v.shape, values: v.dataSync() as Float32Array }));
}

/** Assign saved values to variables by name; every variable must be present with the same shape. */
export function assignValues(vars: tf.Variable[], items: NamedValues[], source: string): void {
  const byName = new Map(items.map((it) => [it.name, it]));
  for (const v of vars) {
    const it = byName.get(v.name);
    if (!it)
      throw new Error(
        `${source}: no saved value for variable "${v.name}" (the model architecture differs from the checkpoint's)`,
      );
    if (it.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`${source}: variable "${v.name}" has shape [${v.shape}] but the checkpoint holds [${it.shape}]`);
    }
    v.assign(tf.tensor(it.values, it.shape));
  }
}
