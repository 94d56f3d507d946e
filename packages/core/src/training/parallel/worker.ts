/**
 * A data-parallel gradient worker (protocol.ts): its own tfjs and backend, and its own plugins —
 * force field, transform, model — loaded from the run's config by the same package and name
 * resolution as the trainer's, with one core for the force field's own pool (PluginContext.threads).
 * The weights come from the trainer before every draw, so the worker's model needs no
 * initialisation of its own.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../../backend.js';
import { assemblePlugins, type RunPlugins } from '../../run.js';
import { createRng, type Rng } from '../../util/random.js';
import { softenEnergies, zeroMasked, type GuardedBatch } from '../energy-guard.js';
import { tapedLoss, type TapeContext } from '../reverse-step.js';
import { drawConfigurations, mappedDraw, readDraw } from '../sampling.js';
import { drawOnTape, releaseDraw, type TapedDraw } from '../open-tape.js';
import { objectivesFor } from '../session.js';
import { assignFlat, flattenGrads } from './flat-weights.js';
import type { DrawReply, GradReply, GradRequest, InitRequest, Reply, Request } from './protocol.js';

interface WorkerState {
  init: InitRequest;
  plugins: RunPlugins;
  rng: Rng;
  tape: TapeContext;
  objectives: ReturnType<typeof objectivesFor>['objectives'];
  weights: Float32Array;
  grads: Float32Array;
  /**
   * The share drawn this step with its softened energies and forces, on a tape held open
   * (`training.fusedKernels`), and the RNG state before the draw, to redraw it if it was not taped.
   */
  drawn?: { taped?: TapedDraw; snap: number[]; soft: GuardedBatch };
}

async function start(init: InitRequest): Promise<WorkerState> {
  await selectBackend(init.backend);
  const plugins = await assemblePlugins(init.config, { ...init.plugins, threads: 1 });
  const { model } = plugins;
  const rng = createRng(1);
  rng.setState(init.rngState);
  const logQ = (y: tf.Tensor2D): tf.Tensor1D => (model.logProb ? model.logProb(y) : model.logProbBound!(y, rng));
  return {
    init,
    plugins,
    rng,
    tape: { model, transform: plugins.transform, rng, logQ },
    objectives: objectivesFor(init.config.training, model).objectives,
    weights: new Float32Array(init.weights),
    grads: new Float32Array(init.grads),
  };
}

/** Close the tape of a share drawn (and maybe never differentiated: the trainer stopped in between). */
function dropDrawn(w: WorkerState): void {
  if (!w.drawn) return;
  releaseDraw(w.drawn.taped);
  w.drawn = undefined;
}

async function draw(w: WorkerState, maxEnergy: number): Promise<DrawReply> {
  const { model, transform, forceField } = w.plugins;
  const n = w.init.size;
  dropDrawn(w);
  assignFlat(model.variables(), w.weights);
  const snap = w.rng.getState();
  const t0 = performance.now();
  const opts = { training: true };
  const taped = w.init.config.training.fusedKernels ? drawOnTape(() => model.draw(n, w.rng, opts)) : undefined;
  try {
    const a = taped
      ? mappedDraw(readDraw(taped.draw), transform, n)
      : drawConfigurations(model, transform, n, w.rng, opts);
    const t1 = performance.now();
    const ev = await forceField.evaluate(a.x, n);
    const t2 = performance.now();
    const soft = softenEnergies(ev.energies, ev.forces, forceField.dimension, maxEnergy);
    w.drawn = { taped, snap, soft };
    return {
      type: 'drawn',
      energies: soft.energies,
      mask: soft.mask,
      nonFinite: soft.nonFinite,
      logQ: a.logQ,
      ...(a.proposalLogRatio ? { proposalLogRatio: a.proposalLogRatio } : {}),
      hasChoice: a.hasChoice,
      y: a.y,
      drawMs: t1 - t0,
      forceFieldMs: t2 - t1,
    };
  } catch (e) {
    releaseDraw(taped);
    throw e;
  }
}

function gradient(w: WorkerState, m: GradRequest): GradReply {
  if (!w.drawn) throw new Error('a gradient request before a draw');
  const { taped, snap, soft } = w.drawn;
  const { begin, size } = w.init;
  const terms: ReturnType<WorkerState['objectives'][number]['prepare']>[] = [];
  try {
    for (let i = 0; i < size; i++) soft.mask[i] = m.numbers.mask[begin + i]!;
    zeroMasked(soft, w.plugins.forceField.dimension);
    for (const o of w.objectives) terms.push(o.prepare(m.numbers));
    const active = terms.filter((t) => t !== undefined);
    if (!taped) w.rng.setState(snap);
    const { value, grads } = tapedLoss(w.tape, m.beta, soft, active, { begin, size }, taped);
    const reports = active.map((t) => t.report?.() ?? {});
    const forwardLoss = reports.find((r) => r.forwardLoss !== undefined)?.forwardLoss;
    const recorded = reports.find((r) => r.loss !== undefined)?.loss;
    flattenGrads(w.plugins.model.variables(), grads, w.grads);
    const reply: GradReply = {
      type: 'grad',
      value: value.dataSync()[0]!,
      ...(forwardLoss !== undefined ? { forwardLoss } : {}),
      ...(recorded !== undefined ? { recorded } : {}),
      rngState: w.rng.getState(),
    };
    tf.dispose([value, grads]);
    return reply;
  } finally {
    for (const t of terms) t?.dispose();
    dropDrawn(w);
  }
}

async function handle(state: { w?: WorkerState }, m: Request): Promise<Reply | undefined> {
  if (m.type === 'init') {
    state.w = await start(m);
    return { type: 'ready' };
  }
  if (m.type === 'close') {
    if (state.w) {
      await state.w.plugins.forceField.dispose();
      state.w.plugins.model.dispose();
    }
    parentPort!.close();
    return undefined;
  }
  if (!state.w) throw new Error(`a ${m.type} request before init`);
  return m.type === 'draw' ? await draw(state.w, m.maxEnergy) : gradient(state.w, m);
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'embedcg-gradient-worker') {
  const state: { w?: WorkerState } = {};
  parentPort!.on('message', (m: Request) => {
    handle(state, m).then(
      (reply) => reply && parentPort!.postMessage(reply),
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        parentPort!.postMessage({ type: 'error', name: err.name, message: err.message });
      },
    );
  });
}
