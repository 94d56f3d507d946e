/**
 * The trainer's side of the data-parallel gradient workers (protocol.ts, worker.ts): starting
 * them, the two rounds of a step, their random streams for checkpoints, and closing them.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@embedcg/core/tf';
import type { BackendName } from '../../backend.js';
import type { RunConfig } from '../../config/run-config.js';
import { InputError, TrainingError } from '../../errors.js';
import { createRng } from '../../util/random.js';
import type { BatchNumbers } from '../objectives/objective.js';
import { parameterCount, writeFlat } from './flat-weights.js';
import type { DrawReply, GradReply, Reply, Request, WorkerPlugins } from './protocol.js';

/** Rows [begin, begin + size) of a batch of n for each of `workers` workers: contiguous, the first n mod workers one longer. */
export function shares(n: number, workers: number): { begin: number; size: number }[] {
  const base = Math.floor(n / workers);
  const out: { begin: number; size: number }[] = [];
  for (let i = 0, begin = 0; i < workers; i++) {
    const size = base + (i < n % workers ? 1 : 0);
    out.push({ begin, size });
    begin += size;
  }
  return out;
}

/** The random stream of worker i of a new run (the trainer's own is seed·7919 + 17). */
export function workerRngState(seed: number, i: number): number[] {
  return createRng(seed * 7919 + 1009 + 31 * i).getState();
}

/** A worker's error as the class the trainer would have thrown, so the CLI's exit code stays the same. */
function rebuilt(name: string, message: string, i: number): Error {
  const m = `gradient worker ${i}: ${message}`;
  if (name === 'TrainingError') return new TrainingError(m);
  if (name === 'InputError' || name === 'ConfigError' || name === 'PluginError') return new InputError(m);
  return new Error(m);
}

class Channel {
  private pending?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private failure?: Error;
  exited = false;
  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    worker.on('message', (m: Reply) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.type === 'error') p?.reject(rebuilt(m.name, m.message, index));
      else p?.resolve(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`gradient worker ${index} exited with code ${code}`));
    });
  }
  private fail(e: Error) {
    this.failure ??= e;
    this.pending?.reject(e);
    this.pending = undefined;
  }
  request<R extends Reply>(m: Request, transfer?: ArrayBuffer[]): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<R>((resolve, reject) => {
      this.pending = { resolve: resolve as (r: Reply) => void, reject };
      this.worker.postMessage(m, transfer);
    });
  }
}

export interface PoolOptions {
  config: RunConfig;
  plugins: WorkerPlugins;
  backend: BackendName;
  variables: tf.Variable[];
  /** Each worker's random state (a resume's), else each new run's. */
  rngStates?: number[][];
}

/** The running workers of a session. */
export class GradientPool {
  /** Each worker's random state after its last gradient round (checkpointed). */
  rngStates: number[][];
  private constructor(
    private readonly channels: Channel[],
    private readonly weights: Float32Array,
    readonly grads: Float32Array[],
    rngStates: number[][],
  ) {
    this.rngStates = rngStates;
  }

  static async start(count: number, o: PoolOptions): Promise<GradientPool> {
    const { config } = o;
    if (o.rngStates && o.rngStates.length !== count)
      throw new InputError(
        `cannot resume: the checkpoint holds ${o.rngStates.length} gradient workers' random states, training.workers is ${count}`,
      );
    const P = parameterCount(o.variables);
    const weights = new Float32Array(new SharedArrayBuffer(4 * P));
    const grads = Array.from({ length: count }, () => new Float32Array(new SharedArrayBuffer(4 * P)));
    const states = o.rngStates ?? Array.from({ length: count }, (_, i) => workerRngState(config.seed, i));
    const url = new URL('./worker.js', import.meta.url);
    const channels = states.map(
      (_, i) => new Channel(new Worker(url, { workerData: { role: 'embedcg-gradient-worker' } }), i),
    );
    const pool = new GradientPool(channels, weights, grads, states);
    try {
      const parts = shares(config.training.batchSize, count);
      await Promise.all(
        channels.map((c, i) =>
          c.request({
            type: 'init',
            config,
            plugins: o.plugins,
            backend: o.backend,
            ...parts[i]!,
            rngState: states[i]!,
            weights: weights.buffer as SharedArrayBuffer,
            grads: grads[i]!.buffer as SharedArrayBuffer,
          }),
        ),
      );
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.channels.length;
  }

  /** Round 1: the current weights out, each worker's share of the batch drawn and evaluated. */
  draw(variables: tf.Variable[], maxEnergy: number): Promise<DrawReply[]> {
    writeFlat(variables, this.weights);
    return Promise.all(this.channels.map((c) => c.request<DrawReply>({ type: 'draw', maxEnergy })));
  }

  /** Round 2: the whole batch's numbers out, each worker's share of the gradient in `grads`. */
  async gradient(beta: number, numbers: BatchNumbers): Promise<GradReply[]> {
    const replies = await Promise.all(this.channels.map((c) => c.request<GradReply>({ type: 'grad', beta, numbers })));
    this.rngStates = replies.map((r) => r.rngState);
    return replies;
  }

  /** Stop the workers (their force fields disposed first). */
  async close(): Promise<void> {
    await Promise.all(
      this.channels.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exited) return resolve();
            c.worker.once('exit', () => resolve());
            c.worker.postMessage({ type: 'close' } satisfies Request);
            // A worker stuck in a computation is ended rather than waited for.
            setTimeout(() => void c.worker.terminate(), 5000).unref();
          }),
      ),
    );
  }
}
