/**
 * Messages between the trainer and its data-parallel gradient workers (worker.ts). One request
 * at a time per worker; each step is two rounds:
 *   draw  → each worker draws its share of the batch from its own random stream, evaluates the
 *           force field there, softens the energies, and returns its rows' numbers (forces stay);
 *   grad  ← the trainer joins the shares in worker order, drops the batch's worst rows (energy
 *           guard), computes the whole batch's weights and coefficients (BatchNumbers), and sends
 *           them; each worker redraws its share under the tape, takes its rows of every term, and
 *           writes its share of the gradient to its shared buffer. The trainer sums the shares in
 *           worker order and steps Adam.
 */
import type { RunConfig } from '../../config/run-config.js';
import type { BackendName } from '../../backend.js';
import type { BatchNumbers } from '../objectives/objective.js';
import type { AssembleOptions } from '../../run.js';

/** What a worker needs to load the run's plugins by the same package and name resolution. */
export type WorkerPlugins = Pick<
  AssembleOptions,
  'configDir' | 'configPath' | 'searchDirs' | 'packagesFromConfigDir' | 'untrustedDirs' | 'allowPathPlugins'
>;

export interface InitRequest {
  type: 'init';
  config: RunConfig;
  plugins: WorkerPlugins;
  backend: BackendName;
  /** This worker's rows of the batch. */
  begin: number;
  size: number;
  rngState: number[];
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

export interface DrawRequest {
  type: 'draw';
  maxEnergy: number;
}

export interface GradRequest {
  type: 'grad';
  beta: number;
  numbers: BatchNumbers;
}

export type Request = InitRequest | DrawRequest | GradRequest | { type: 'close' };

/** A worker's share after the draw: its rows' numbers, energies softened, non-finite rows masked. */
export interface DrawReply {
  type: 'drawn';
  energies: Float64Array;
  mask: Float64Array;
  nonFinite: number;
  logQ: Float64Array;
  proposalLogRatio?: Float64Array;
  hasChoice: boolean;
  y: Float64Array;
  drawMs: number;
  forceFieldMs: number;
}

/** A worker's share of the loss, after its gradient is in its buffer. */
export interface GradReply {
  type: 'grad';
  value: number;
  /** The forward-KL term's share (without its weight). */
  forwardLoss?: number;
  /** A loss the terms report for the record (the whole batch's; the same in every worker). */
  recorded?: number;
  rngState: number[];
}

export type Reply = { type: 'ready' } | DrawReply | GradReply | { type: 'error'; name: string; message: string };
