/**
 * Batched evaluation of one system: small batches run in the calling thread, large ones are
 * split across a worker-thread pool (the calling thread computes one share itself).
 */
import { availableParallelism } from 'node:os';
import { checkPositions, type EnergyBatch, type EvaluateOptions } from '@embedcg/core';
import { compileSystem, type CompileOptions, type CompiledSystem } from './compiled.js';
import { Kernel, termNames, type TermArrays } from './kernel.js';
import { EvaluatorPool } from './pool.js';
import type { SystemParameters } from './system.js';

/** Result of an AMBER evaluation: the core EnergyBatch plus which configurations overlapped. */
export interface AmberEnergyBatch extends EnergyBatch {
  /** Indices of configurations with atoms on top of each other (energy +Infinity, forces 0). */
  overlaps: number[];
}

/** Options of {@link AmberEvaluator}. */
export interface EvaluatorOptions extends CompileOptions {
  /** Threads used for large batches, the calling thread included. Default: the number of cores. */
  workers?: number;
  /** Batches smaller than this run in the calling thread. Default 64. */
  parallelThreshold?: number;
  /** Name used in error messages. */
  name?: string;
}

export class AmberEvaluator {
  readonly name: string;
  readonly dimension: number;
  readonly compiled: CompiledSystem;
  readonly terms: string[];
  private readonly kernel: Kernel;
  private readonly workers: number;
  private readonly threshold: number;
  private pool: EvaluatorPool | undefined;

  constructor(system: SystemParameters, options: EvaluatorOptions = {}) {
    this.name = options.name ?? 'amber';
    this.compiled = compileSystem(system, options);
    this.dimension = 3 * this.compiled.nAtoms;
    this.terms = termNames(this.compiled);
    this.kernel = new Kernel(this.compiled);
    const w = options.workers ?? availableParallelism();
    if (!Number.isInteger(w) || w < 1)
      throw new RangeError(`${this.name}: workers must be a positive integer, got ${w}`);
    this.workers = w;
    this.threshold = options.parallelThreshold ?? 64;
  }

  private allocate(
    n: number,
    options: EvaluateOptions,
    shared: boolean,
  ): { energies: Float64Array; forces?: Float64Array; terms?: Record<string, Float64Array> } {
    const make = (len: number) => (shared ? new Float64Array(new SharedArrayBuffer(8 * len)) : new Float64Array(len));
    const out: { energies: Float64Array; forces?: Float64Array; terms?: Record<string, Float64Array> } = {
      energies: make(n),
    };
    if (!options.energiesOnly) out.forces = make(n * this.dimension);
    if (options.terms) out.terms = Object.fromEntries(this.terms.map((t) => [t, make(n)]));
    return out;
  }

  /** Evaluate in the calling thread. */
  evaluateSync(positions: Float64Array, n: number, options: EvaluateOptions = {}): AmberEnergyBatch {
    checkPositions(this, positions, n);
    const out = this.allocate(n, options, false);
    const overlaps: number[] = [];
    this.kernel.evaluateRange(positions, 0, n, out.energies, out.forces, out.terms as TermArrays | undefined, overlaps);
    return finish(out, overlaps);
  }

  /** Evaluate n configurations; batches of at least `parallelThreshold` use the worker pool. */
  evaluate(
    positions: Float64Array,
    n: number,
    options: EvaluateOptions = {},
  ): AmberEnergyBatch | Promise<AmberEnergyBatch> {
    if (this.workers <= 1 || n < this.threshold) return this.evaluateSync(positions, n, options);
    return this.evaluateParallel(positions, n, options);
  }

  private async evaluateParallel(
    positions: Float64Array,
    n: number,
    options: EvaluateOptions,
  ): Promise<AmberEnergyBatch> {
    checkPositions(this, positions, n);
    this.pool ??= new EvaluatorPool(this.compiled, this.workers - 1);
    const sharedPositions = new Float64Array(new SharedArrayBuffer(8 * positions.length));
    sharedPositions.set(positions);
    const out = this.allocate(n, options, true);
    const chunk = Math.ceil(n / this.workers);
    const jobs: Array<Promise<{ overlaps: number[]; error?: string }>> = [];
    for (let k = 0; k < this.workers - 1; k++) {
      const start = (k + 1) * chunk;
      const end = Math.min(n, start + chunk);
      if (start >= end) break;
      const request = {
        positions: sharedPositions.buffer as SharedArrayBuffer,
        energies: out.energies.buffer as SharedArrayBuffer,
        start,
        end,
        ...(out.forces ? { forces: out.forces.buffer as SharedArrayBuffer } : {}),
        ...(out.terms
          ? { terms: Object.fromEntries(Object.entries(out.terms).map(([t, a]) => [t, a.buffer as SharedArrayBuffer])) }
          : {}),
      };
      jobs.push(this.pool.run(k, request));
    }
    const overlaps: number[] = [];
    let localError: Error | undefined;
    try {
      this.kernel.evaluateRange(
        sharedPositions,
        0,
        Math.min(chunk, n),
        out.energies,
        out.forces,
        out.terms as TermArrays | undefined,
        overlaps,
      );
    } catch (e) {
      localError = e as Error;
    }
    const replies = await Promise.all(jobs);
    if (localError) throw new Error(`${this.name}: ${localError.message}`);
    for (const r of replies) {
      if (r.error) throw new Error(`${this.name}: ${r.error}`);
      overlaps.push(...r.overlaps);
    }
    overlaps.sort((a, b) => a - b);
    // Callers get ordinary (non-shared) arrays.
    const copy = (a: Float64Array) => a.slice();
    const plain: { energies: Float64Array; forces?: Float64Array; terms?: Record<string, Float64Array> } = {
      energies: copy(out.energies),
    };
    if (out.forces) plain.forces = copy(out.forces);
    if (out.terms) plain.terms = Object.fromEntries(Object.entries(out.terms).map(([t, a]) => [t, copy(a)]));
    return finish(plain, overlaps);
  }

  /** Stop the worker threads (if any were started). */
  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.dispose();
  }
}

function finish(
  out: { energies: Float64Array; forces?: Float64Array; terms?: Record<string, Float64Array> },
  overlaps: number[],
): AmberEnergyBatch {
  const batch: AmberEnergyBatch = { energies: out.energies, forces: out.forces ?? new Float64Array(0), overlaps };
  if (out.terms) batch.terms = out.terms;
  return batch;
}
