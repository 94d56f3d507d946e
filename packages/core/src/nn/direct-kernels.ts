/**
 * Matrix products and transposes that call the backend's kernel function directly, for code that
 * runs untaped inside a fused op (its forward, or its gradient in a first-order backward pass).
 *
 * Why: on the wasm and cpu backends a step is dispatch-bound. Each `tf.matMul` is four engine
 * dispatches (the operands lifted to rank 3, the product, the result back to rank 2), each with
 * its scope, tensor and profiler bookkeeping. Called directly, the backend's own kernel does the
 * same arithmetic on the same buffers, so results are bit-identical; the engine only learns of
 * the output tensor. Outside wasm and cpu, or while a tape records (a higher-order gradient), the
 * functions return undefined and callers use the tfjs ops.
 */
import * as tf from '@embedcg/core/tf';
import { benchSwitch } from '../util/bench-switch.js';

interface EngineInternals {
  isTapeOn(): boolean;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

/** Benchmarks switch direct calls off to time the engine's dispatch in the same process. */
const directKernels = benchSwitch('directKernels');
export const setDirectKernelsEnabled = directKernels.set;

const kernels = new Map<string, tf.KernelFunc | null>();
function kernelFunc(name: string, backend: string): tf.KernelFunc | undefined {
  const key = `${backend}/${name}`;
  let k = kernels.get(key);
  if (k === undefined) {
    k = tf.getKernel(name, backend)?.kernelFunc ?? null;
    kernels.set(key, k);
  }
  return k ?? undefined;
}

/** The backend's kernel `name` when a direct call is allowed here, else undefined. */
function direct(name: string): { run: tf.KernelFunc; engine: EngineInternals } | undefined {
  if (!directKernels.enabled()) return undefined;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return undefined;
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.isTapeOn()) return undefined;
  const run = kernelFunc(name, backend);
  return run ? { run, engine } : undefined;
}

const info = (t: tf.Tensor, shape: number[] = t.shape): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/**
 * a·b (+ bias), a n × k and b k × m float32, through the backend's BatchMatMul (_FusedMatMul with a
 * bias: the kernels `tf.matMul` and `tf.fused.matMul` run); undefined where not allowed.
 */
export function directMatMul(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D | undefined {
  const d = direct(bias ? '_FusedMatMul' : 'BatchMatMul');
  if (!d || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const [n, k] = a.shape;
  const m = b.shape[1];
  const inputs: Record<string, tf.TensorInfo> = { a: info(a, [1, n, k]), b: info(b, [1, k, m]) };
  if (bias) inputs.bias = info(bias);
  const attrs = { transposeA: false, transposeB: false, ...(bias ? { activation: 'linear', leakyreluAlpha: 0 } : {}) };
  const out = d.run({ inputs, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
  return d.engine.makeTensorFromTensorInfo({ dataId: out.dataId, shape: [n, m], dtype: 'float32' }) as tf.Tensor2D;
}

/** xᵀ through the backend's Transpose; undefined where not allowed. */
export function directTranspose(x: tf.Tensor2D): tf.Tensor2D | undefined {
  const d = direct('Transpose');
  if (!d) return undefined;
  const out = d.run({ inputs: { x: info(x) }, backend: tf.backend(), attrs: { perm: [1, 0] } }) as tf.TensorInfo;
  return d.engine.makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** a·b + bias by a direct call where allowed, else tf.fused.matMul: the same kernel either way. */
export const affineFused = (a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D =>
  directMatMul(a, b, bias) ?? (tf.fused.matMul({ a, b, bias }) as tf.Tensor2D);

/** a·b by a direct call where allowed, else tf.matMul: the same kernel either way. */
export const productFused = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => directMatMul(a, b) ?? tf.matMul(a, b);

/**
 * Kernel `name` on `inputs` by a direct call where allowed (else through the engine, as
 * `tf.engine().runKernel` would): for the project's own single-output kernels inside fused ops.
 */
export function runKernelFused(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: tf.NamedAttrMap = {},
): tf.Tensor {
  const d = direct(name);
  if (!d) return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  const infos = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, info(t)]));
  const out = d.run({ inputs: infos, backend: tf.backend(), attrs }) as tf.TensorInfo;
  return d.engine.makeTensorFromTensorInfo(out);
}

/** xᵀ by a direct call where allowed, else tf.transpose. */
export const transposeFused = (x: tf.Tensor2D): tf.Tensor2D => directTranspose(x) ?? tf.transpose(x);
