/**
 * Column gather and scatter (n × D ↔ n × k) as tfjs kernels with registered gradients, for the wasm
 * and cpu backends: the gradient of a gather is the scatter of dy and vice versa.
 *
 * Why kernels rather than a customGrad op: a customGrad op reads its input back (`dataSync`),
 * builds a new tensor from a JS array and adds the scope, Identity and tape bookkeeping of
 * customGrad around it; the flows make about 290 such copies per training step. A registered
 * kernel on the wasm backend copies inside the backend's own heap (one `makeOutput`, one loop over
 * a Float32Array view), and on the cpu backend loops over the backend's own arrays. Plain JS loops:
 * the copies move a few thousand floats, where the call, not the loop, is the cost.
 * Other backends (tfjs-node, …) run the same copy as a customGrad op.
 */
import * as tf from '@embedcg/core/tf';
import { runKernelFused } from '../direct-kernels.js';
import { BACKENDS, backendHasHeapAccess, type CpuBackendLike, type WasmBackendLike } from './simd-kernels.js';
import { benchSwitch } from '../../util/bench-switch.js';

const TAKE = 'EmbedcgTakeColumns';
const PUT = 'EmbedcgPutColumns';
const JOIN = 'EmbedcgJoinColumns';

/**
 * A kernel's attributes: the columns idx[j] of a D-wide matrix (an empty list: one zero column);
 * `run` is idx[0] when idx is a run of consecutive columns (copied a row at a time), else −1.
 */
interface ColumnAttrs {
  idx: readonly number[];
  D: number;
  run: number;
}

const runStart = (idx: readonly number[]) => (idx.length > 0 && idx.every((c, j) => c === idx[0]! + j) ? idx[0]! : -1);

/**
 * m consecutive floats. Each `subarray` or `copyWithin` call costs about 20 ns, so short runs are
 * copied element by element (about 1.3 ns each).
 */
function copyRun(src: Float32Array, from: number, dst: Float32Array, to: number, m: number): void {
  if (src === dst && m >= 16) dst.copyWithin(to, from, from + m);
  else if (m >= 64) dst.set(src.subarray(from, from + m), to);
  else for (let j = 0; j < m; j++) dst[to + j] = src[from + j]!;
}

/**
 * Gather (dst[f, j] = src[f, idx[j]]) or scatter (dst[f, idx[j]] = src[f, j], zeros elsewhere) of
 * n rows; offsets in elements, so both may be views of one heap.
 */
function copy(
  src: Float32Array,
  at: number,
  dst: Float32Array,
  to: number,
  n: number,
  a: ColumnAttrs,
  scatter: boolean,
) {
  const { idx, D, run } = a;
  const m = idx.length;
  const k = Math.max(1, m);
  if (run >= 0 && !scatter) {
    for (let f = 0; f < n; f++) copyRun(src, at + f * D + run, dst, to + f * k, m);
  } else if (scatter) {
    dst.fill(0, to, to + n * D);
    if (run >= 0) for (let f = 0; f < n; f++) copyRun(src, at + f * k, dst, to + f * D + run, m);
    else for (let f = 0; f < n; f++) for (let j = 0; j < m; j++) dst[to + f * D + idx[j]!] = src[at + f * k + j]!;
  } else {
    if (m === 0) dst.fill(0, to, to + n);
    for (let f = 0; f < n; f++) for (let j = 0; j < m; j++) dst[to + f * k + j] = src[at + f * D + idx[j]!]!;
  }
}

const outShape = (n: number, a: ColumnAttrs, scatter: boolean) => [n, scatter ? a.D : Math.max(1, a.idx.length)];

/** The heap as floats, one view per buffer (the buffer changes when the heap grows). */
let heapView: Float32Array | undefined;
function heapF32(buffer: ArrayBuffer): Float32Array {
  if (heapView?.buffer !== buffer) heapView = new Float32Array(buffer);
  return heapView;
}

function wasmKernel(scatter: boolean): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendLike;
    const [x, a] = [inputs['x']!, attrs as unknown as ColumnAttrs];
    const out = b.makeOutput(outShape(x.shape[0]!, a, scatter), 'float32');
    // Read the heap after makeOutput: the allocation may have grown it.
    const heap = heapF32(b.wasm.asm.memory.buffer);
    const at = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset / 4;
    copy(heap, at(x), heap, at(out), x.shape[0]!, a, scatter);
    return out;
  };
}

function cpuKernel(scatter: boolean): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as CpuBackendLike;
    const [x, a] = [inputs['x']!, attrs as unknown as ColumnAttrs];
    const shape = outShape(x.shape[0]!, a, scatter);
    const out = new Float32Array(shape[0]! * shape[1]!);
    copy(b.readSync(x.dataId) as Float32Array, 0, out, 0, x.shape[0]!, a, scatter);
    return b.makeTensorInfo(shape, 'float32', out);
  };
}

/** A join's attributes: part i goes to the columns parts[i].idx; `covered` when they fill all D. */
interface JoinAttrs {
  parts: ColumnAttrs[];
  D: number;
  covered: boolean;
}

/** Scatters each input into its columns of dst (zeros in the columns no part fills). */
function join(srcs: Array<[Float32Array, number]>, dst: Float32Array, to: number, n: number, a: JoinAttrs) {
  if (!a.covered) dst.fill(0, to, to + n * a.D);
  srcs.forEach(([src, at], i) => {
    const { idx, run } = a.parts[i]!;
    const m = idx.length;
    if (run >= 0) for (let f = 0; f < n; f++) copyRun(src, at + f * m, dst, to + f * a.D + run, m);
    else for (let f = 0; f < n; f++) for (let j = 0; j < m; j++) dst[to + f * a.D + idx[j]!] = src[at + f * m + j]!;
  });
}

const joinInputs = (inputs: tf.NamedTensorInfoMap) => Object.keys(inputs).map((k) => inputs[k]!);

const joinKernels: Record<(typeof BACKENDS)[number], tf.KernelFunc> = {
  wasm: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendLike;
    const [xs, a] = [joinInputs(inputs), attrs as unknown as JoinAttrs];
    const n = xs[0]!.shape[0]!;
    const out = b.makeOutput([n, a.D], 'float32');
    const heap = heapF32(b.wasm.asm.memory.buffer);
    const at = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset / 4;
    join(
      xs.map((x) => [heap, at(x)]),
      heap,
      at(out),
      n,
      a,
    );
    return out;
  },
  cpu: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as CpuBackendLike;
    const [xs, a] = [joinInputs(inputs), attrs as unknown as JoinAttrs];
    const n = xs[0]!.shape[0]!;
    const out = new Float32Array(n * a.D);
    join(
      xs.map((x) => [b.readSync(x.dataId) as Float32Array, 0]),
      out,
      0,
      n,
      a,
    );
    return b.makeTensorInfo([n, a.D], 'float32', out);
  },
};

let registered = false;
/** Registers both kernels and their gradients once per process (tfjs's registry is global). */
function register(): void {
  if (registered) return;
  registered = true;
  for (const [name, scatter, adjoint] of [
    [TAKE, false, PUT],
    [PUT, true, TAKE],
  ] as const) {
    for (const backendName of BACKENDS)
      if (!tf.getKernel(name, backendName))
        tf.registerKernel({
          kernelName: name,
          backendName,
          kernelFunc: (backendName === 'wasm' ? wasmKernel : cpuKernel)(scatter),
        });
    if (!tf.getGradient(name))
      tf.registerGradient({
        kernelName: name,
        gradFunc: (dy, _saved, attrs) => ({
          x: () => runKernelFused(adjoint, { x: dy as tf.Tensor }, attrs),
        }),
      });
  }
  for (const backendName of BACKENDS)
    if (!tf.getKernel(JOIN, backendName))
      tf.registerKernel({ kernelName: JOIN, backendName, kernelFunc: joinKernels[backendName] });
  if (!tf.getGradient(JOIN))
    tf.registerGradient({
      kernelName: JOIN,
      gradFunc: (dy, _saved, attrs) => {
        const { parts, D } = attrs as unknown as JoinAttrs;
        const take = (p: ColumnAttrs) => () =>
          runKernelFused(TAKE, { x: dy as tf.Tensor }, { ...p, D } as unknown as tf.NamedAttrMap);
        return Object.fromEntries(parts.map((p, i) => [String(i), take(p)]));
      },
    });
}

/**
 * Benchmarks switch the kernels off (back to the customGrad copy and tf.slice) to time them in the same process
 * (tools/bench/train-profile.mjs --compare --off columns).
 */
const columnKernels = benchSwitch('columnKernels');
export const setColumnKernelsEnabled = columnKernels.set;

/** The same copy as a customGrad op that reads its input back: other backends, and the switch above. */
function copyOp(x: tf.Tensor2D, a: ColumnAttrs, scatter: boolean): tf.Tensor2D {
  const move = (src: tf.Tensor, toWide: boolean) => {
    const shape = outShape(x.shape[0], a, toWide);
    const out = new Float32Array(shape[0]! * shape[1]!);
    copy(src.dataSync() as Float32Array, 0, out, 0, x.shape[0], a, toWide);
    return tf.tensor2d(out, shape as [number, number]);
  };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: move(args[0] as tf.Tensor, scatter),
    gradFunc: (dy: tf.Tensor) => move(dy, !scatter),
  }));
  return op(x) as tf.Tensor2D;
}

const kernelsRun = (x: tf.Tensor) => x.dtype === 'float32' && columnKernels.enabled() && backendHasHeapAccess();

function columnCopy(x: tf.Tensor2D, idx: readonly number[], D: number, scatter: boolean): tf.Tensor2D {
  const want = scatter ? Math.max(1, idx.length) : D;
  if (x.rank !== 2 || x.shape[1] !== want)
    throw new RangeError(`column ${scatter ? 'scatter' : 'gather'}: x must be n × ${want}, got ${x.shape.join(' × ')}`);
  const a: ColumnAttrs = { idx, D, run: runStart(idx) };
  if (!kernelsRun(x)) return copyOp(x, a, scatter);
  register();
  return runKernelFused(scatter ? PUT : TAKE, { x }, a as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/**
 * The columns idx of x (n × D → n × k, out[:, j] = x[:, idx[j]]; an empty idx gives one zero column),
 * one kernel on the wasm and cpu backends. Its gradient is {@link putColumns} of dy.
 */
export function takeColumns(x: tf.Tensor2D, idx: readonly number[], D: number): tf.Tensor2D {
  return columnCopy(x, idx, D, false);
}

/** Columns back into place (n × k → n × D, out[:, idx[j]] = x[:, j], zeros elsewhere): the adjoint of {@link takeColumns}. */
export function putColumns(x: tf.Tensor2D, idx: readonly number[], D: number): tf.Tensor2D {
  return columnCopy(x, idx, D, true);
}

const ranges = new Map<string, readonly number[]>();
/** begin, begin + step, … (size of them), one array per distinct range. */
function columnRange(begin: number, size: number, step: number): readonly number[] {
  const key = `${begin},${size},${step}`;
  let r = ranges.get(key);
  if (!r) ranges.set(key, (r = Array.from({ length: size }, (_, j) => begin + j * step)));
  return r;
}

/**
 * Columns begin, begin + step, … (size of them) of x: `tf.slice(x, [0, begin], [n, size])` for step
 * 1, the same numbers. On the wasm backend tf.slice of columns copies a row (or, for a strided
 * pick out of a reshaped tensor, an element) at a time through `subarray`/`set` after reading the
 * whole input back; this is one kernel. Its gradient puts dy back (zeros elsewhere), as Slice's Pad.
 */
export function sliceColumns(x: tf.Tensor2D, begin: number, size: number, step = 1): tf.Tensor2D {
  const D = x.shape[1];
  if (size < 1 || begin < 0 || step < 1 || begin + (size - 1) * step >= D)
    throw new RangeError(`sliceColumns: columns ${begin} + ${step}·j, j < ${size}, do not fit in ${D} columns`);
  if (kernelsRun(x)) return takeColumns(x, columnRange(begin, size, step), D);
  // Elsewhere tf.slice (native on tfjs-node), on the n × size × step view for a strided pick.
  const n = x.shape[0];
  if (step === 1) return tf.slice(x, [0, begin], [n, size]);
  if (size * step === D)
    return tf.reshape(tf.slice(tf.reshape(x, [n, size, step]), [0, 0, begin], [n, size, 1]), [n, size]);
  return takeColumns(x, columnRange(begin, size, step), D);
}

/**
 * Σ putColumns(parts[i], idx[i], D) for disjoint column lists (out[:, idx[i][j]] = parts[i][:, j],
 * zeros in the columns no part fills), one kernel on the wasm and cpu backends instead of a scatter
 * per part and the adds. The gradient with respect to part i is {@link takeColumns} of dy.
 */
export function joinColumns(parts: tf.Tensor2D[], idx: ReadonlyArray<readonly number[]>, D: number): tf.Tensor2D {
  const seen = new Uint8Array(D);
  if (parts.length === 0 || parts.length !== idx.length)
    throw new RangeError(`joinColumns: ${parts.length} parts for ${idx.length} column lists`);
  parts.forEach((p, i) => {
    const cols = idx[i]!;
    if (p.rank !== 2 || p.shape[1] !== cols.length || cols.length === 0 || p.shape[0] !== parts[0]!.shape[0])
      throw new RangeError(
        `joinColumns: part ${i} is ${p.shape.join(' × ')}, not n × ${cols.length} (n ≥ 0, columns ≥ 1)`,
      );
    for (const c of cols) {
      if (!(c >= 0 && c < D) || seen[c])
        throw new RangeError(`joinColumns: column ${c} is outside 0 … ${D - 1} or taken twice`);
      seen[c] = 1;
    }
  });
  if (!parts.every(kernelsRun)) {
    const placed = parts.map((p, i) => putColumns(p, idx[i]!, D));
    return placed.reduce((a, b) => tf.add(a, b) as tf.Tensor2D);
  }
  register();
  const a: JoinAttrs = {
    parts: idx.map((cols) => ({ idx: cols, D, run: runStart(cols) })),
    D,
    covered: seen.every((v) => v === 1),
  };
  return runKernelFused(
    JOIN,
    parts as unknown as Record<string, tf.Tensor>,
    a as unknown as tf.NamedAttrMap,
  ) as tf.Tensor2D;
}

/**
 * `tf.concat(parts, 1)`, the same numbers, as one column join on the wasm and cpu backends: its
 * gradient takes each part's columns back in one kernel each, where Concat's splits into Slices.
 */
export function concatColumns(parts: tf.Tensor2D[]): tf.Tensor2D {
  if (!parts.every(kernelsRun) || parts.some((p) => p.rank !== 2 || p.shape[1] === 0)) return tf.concat(parts, 1);
  let begin = 0;
  const idx = parts.map((p) => columnRange((begin += p.shape[1]) - p.shape[1], p.shape[1], 1));
  return joinColumns(parts, idx, begin);
}
