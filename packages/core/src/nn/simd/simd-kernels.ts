/**
 * The WebAssembly SIMD activations of activations.c as tfjs kernels with registered gradients, for
 * the wasm and cpu backends: one kernel forward, one backward (dy · f′, from the saved output for
 * tanh, from the input otherwise).
 *
 * Why kernels rather than a customGrad op: on the wasm backend a registered kernel runs on tfjs's
 * own heap (the module imports that WebAssembly.Memory and reads and writes the tensors where they
 * are), so no data is copied, and the engine's ordinary tape saves the tensors the gradient needs.
 * On the cpu backend the data lives in JS arrays, and the kernel copies it through a module
 * instance with its own memory (about 10 µs per 32k floats, against 5–15 ns per element saved).
 * Other backends (tfjs-node, …) have no such kernel, and {@link simdActivation} runs the plain op.
 */
import * as tf from '@embedcg/core/tf';
import { runKernelFused } from '../direct-kernels.js';
import { ACTIVATIONS_WASM_BASE64 } from './activations-wasm.js';
import { benchSwitch } from '../../util/bench-switch.js';

/** The activations with a SIMD kernel. */
export const SIMD_ACTIVATIONS = ['tanh', 'softplus', 'logsigmoid', 'selu'] as const;
export type SimdActivation = (typeof SIMD_ACTIVATIONS)[number];

/** The WebAssembly API used here (tsconfig's lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Kernel = (...pointersAndCount: number[]) => void;
type Exports = Record<`${SimdActivation}_${'forward' | 'backward'}` | 'column_sums' | 'adam_step', Kernel>;

/** The parts of tfjs-backend-wasm 4.22's BackendWasm that the kernels use. */
export interface WasmBackendLike {
  wasm: { asm: { memory: WasmMemory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}
/** The parts of tfjs-backend-cpu's MathBackendCPU that the kernels use. */
export interface CpuBackendLike {
  readSync(id: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export const BACKENDS = ['wasm', 'cpu'] as const;

let compiled: object | null | undefined;
/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function simdModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(Uint8Array.from(atob(ACTIVATIONS_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const instances = new WeakMap<WasmMemory, Exports>();
function exportsOn(memory: WasmMemory): Exports {
  let e = instances.get(memory);
  if (!e) {
    e = new WA.Instance(simdModule()!, { env: { memory } }).exports as unknown as Exports;
    instances.set(memory, e);
  }
  return e;
}

/** Scratch memory of the cpu path, grown to the largest call. */
let scratch: WasmMemory | undefined;
function scratchFor(bytes: number): WasmMemory {
  scratch ??= new WA.Memory({ initial: 1 });
  const short = bytes - scratch.buffer.byteLength;
  if (short > 0) scratch.grow(Math.ceil(short / 65536));
  return scratch;
}

/**
 * The module's functions on scratch memory of at least `bytes` (read `memory.buffer` after this
 * call: growing replaces it), for host-side callers that copy their arrays in and out; undefined
 * where WebAssembly SIMD is unavailable.
 */
export function scratchKernels(bytes: number): { memory: WasmMemory; exports: Exports } | undefined {
  if (!simdModule()) return undefined;
  const memory = scratchFor(bytes);
  return { memory, exports: exportsOn(memory) };
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A module function: its tensor inputs, its output's shape and the sizes it takes after the pointers. */
interface KernelSpec {
  fn: keyof Exports;
  inputs: readonly string[];
  outShape(shape: number[]): number[];
  sizes(shape: number[]): number[];
}

const elementwise = (fn: keyof Exports, inputs: readonly string[]): KernelSpec => ({
  fn,
  inputs,
  outShape: (shape) => shape,
  sizes: (shape) => [sizeOf(shape)],
});

function wasmKernel(spec: KernelSpec): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendLike;
    const ins = spec.inputs.map((k) => inputs[k]!);
    const out = b.makeOutput(spec.outShape(ins[0]!.shape), 'float32');
    if (sizeOf(out.shape) > 0) {
      const at = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset;
      exportsOn(b.wasm.asm.memory)[spec.fn](...ins.map(at), at(out), ...spec.sizes(ins[0]!.shape));
    }
    return out;
  };
}

function cpuKernel(spec: KernelSpec): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as CpuBackendLike;
    const ins = spec.inputs.map((k) => inputs[k]!);
    const shape = spec.outShape(ins[0]!.shape);
    const [n, nOut] = [sizeOf(ins[0]!.shape), sizeOf(shape)];
    // Inputs then the output, each in a slot of the larger size (plus a vector of slack).
    const slot = 4 * (Math.max(n, nOut) + 4);
    const memory = scratchFor(slot * (ins.length + 1));
    ins.forEach((t, i) => new Float32Array(memory.buffer, i * slot, n).set(b.readSync(t.dataId) as Float32Array));
    const outAt = ins.length * slot;
    if (nOut > 0) exportsOn(memory)[spec.fn](...ins.map((_, i) => i * slot), outAt, ...spec.sizes(ins[0]!.shape));
    return b.makeTensorInfo(shape, 'float32', new Float32Array(memory.buffer, outAt, nOut).slice());
  };
}

function registerKernel(kernelName: string, spec: KernelSpec): void {
  for (const backendName of BACKENDS)
    if (!tf.getKernel(kernelName, backendName))
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: (backendName === 'wasm' ? wasmKernel : cpuKernel)(spec),
      });
}

const COLUMN_SUMS = 'EmbedcgColumnSums';
const kernelName = (a: SimdActivation, pass: 'forward' | 'backward') => `Embedcg${a}_${pass}`;
/** tanh's derivative comes from its output, the others' from their input. */
const backwardFromOutput = (a: SimdActivation): boolean => a === 'tanh';

/** Registers the kernels and gradients once per process (tfjs's registry is global). */
function register(): boolean {
  if (!simdModule()) return false;
  for (const a of SIMD_ACTIVATIONS) {
    const [fwd, bwd] = [kernelName(a, 'forward'), kernelName(a, 'backward')];
    registerKernel(fwd, elementwise(`${a}_forward`, ['x']));
    registerKernel(bwd, elementwise(`${a}_backward`, ['x', 'dy']));
    if (tf.getGradient(fwd)) continue;
    tf.registerGradient({
      kernelName: fwd,
      ...(backwardFromOutput(a) ? { outputsToSave: [true] } : { inputsToSave: ['x'] }),
      gradFunc: (dy, saved) => ({
        x: () => runKernelFused(bwd, { x: saved[0]!, dy: dy as tf.Tensor }),
      }),
    });
  }
  registerKernel(COLUMN_SUMS, {
    fn: 'column_sums',
    inputs: ['x'],
    outShape: (shape) => [shape[1]!],
    sizes: (shape) => [shape[0]!, shape[1]!],
  });
  return true;
}

/**
 * Benchmarks switch the kernels off to time the fused path without them in the same process
 * (tools/bench/train-profile.mjs --compare).
 */
const simdActivations = benchSwitch('simdActivations');
export const setSimdKernelsEnabled = simdActivations.set;

let registered: boolean | undefined;
const usable = new WeakMap<object, boolean>();

/** Whether the current backend runs the SIMD kernels (wasm with the expected heap, or cpu). */
function backendRunsSimd(): boolean {
  if (!simdActivations.enabled()) return false;
  registered ??= register();
  if (!registered) return false;
  return backendHasHeapAccess();
}

/** Whether the current backend is cpu, or wasm with the heap and bookkeeping the kernels use. */
export function backendHasHeapAccess(): boolean {
  const name = tf.getBackend();
  if (name === 'cpu') return true;
  if (name !== 'wasm') return false;
  const b = tf.backend() as unknown as Partial<WasmBackendLike>;
  let ok = usable.get(b);
  if (ok === undefined) {
    ok = b.wasm?.asm?.memory instanceof WA.Memory && typeof b.makeOutput === 'function' && !!b.dataIdMap;
    usable.set(b, ok);
  }
  return ok;
}

/**
 * The activation `name` as one SIMD kernel where the backend has it (float32 tensors on the wasm
 * and cpu backends), else `plain` (the tfjs op it replaces).
 */
export function simdActivation(name: SimdActivation, plain: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  const fwd = kernelName(name, 'forward');
  return (x) => (x.dtype === 'float32' && backendRunsSimd() ? runKernelFused(fwd, { x }) : plain(x));
}

/**
 * Σ over the rows of a float32 matrix (n × m → m) as one SIMD kernel where the backend has it,
 * else tf.sum(x, 0): a dense layer's bias gradient. On tfjs-backend-wasm a Sum over axis 0
 * transposes the matrix first. Used inside gradients only, so it has no gradient of its own, and it
 * calls the kernel directly where it may (../direct-kernels.ts).
 */
export function simdColumnSums(x: tf.Tensor2D): tf.Tensor1D {
  return (
    x.dtype === 'float32' && backendRunsSimd() ? runKernelFused(COLUMN_SUMS, { x }) : tf.sum(x, 0)
  ) as tf.Tensor1D;
}

/**
 * The registered kernel names of activation `name` and whether the current backend runs them
 * (nn/mlp-op.ts calls them inside its own op); tanh's backward takes its output, the others' input.
 */
export function simdActivationKernels(name: string): {
  usable: boolean;
  forward: string;
  backward: string;
  fromOutput: boolean;
} {
  const known = (SIMD_ACTIVATIONS as readonly string[]).includes(name);
  const a = name as SimdActivation;
  return {
    usable: known && backendRunsSimd(),
    forward: kernelName(a, 'forward'),
    backward: kernelName(a, 'backward'),
    fromOutput: backwardFromOutput(a),
  };
}
