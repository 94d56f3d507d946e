/**
 * A gradient tape held open across an await, so that a step tapes its draw once: the draw runs
 * with the tape on, the force field answers (asynchronously), and the loss built afterwards inside
 * `tf.variableGrads` differentiates through the draw already on the tape.
 *
 * tfjs's `gradients()` opens its own tape only at depth 0 and appends to an open one, and leaves
 * clean-up to depth 0; so with the tape opened here, `tf.variableGrads` sees the draw's nodes.
 * The loss function ends with `handOverTape()`: it gives this tape's depth to `gradients()`, whose
 * backward then runs at depth 0, untaped, and which frees the tensors the nodes saved, as it does
 * for its own tape. Without the hand-over the backward ran on the open tape: every backward kernel
 * was recorded, its inputs copied for a second-order gradient nobody takes, and the fused ops took
 * their taped path (the double-well step 235 → 345 kernels, 172 of them Identity copies).
 * `closeTape` ends a tape that was not handed over (an error before the loss was built) and frees
 * what its nodes saved. The same draw drawn again under `tf.variableGrads` (the unfused path)
 * costs one more forward pass and gives the same numbers. Relies on tfjs-core's Engine
 * (`startTape`, `endTape`, `state.gradientDepth`, `state.activeTape`), checked with 4.22.
 */
import * as tf from '@embedcg/core/tf';
import type { ModelDraw } from '../contracts/model.js';

interface TapeEngine {
  startTape(): void;
  endTape(): void;
  state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null };
}

const engine = (): TapeEngine => tf.engine() as unknown as TapeEngine;

/**
 * Whether a gradient tape is recording (under `tf.variableGrads`, `tf.grads` or an open tape): a
 * fused op may then keep what its backward needs from its forward, which it would otherwise
 * recompute, and skip that work on forward-only calls (evaluation draws).
 */
export function gradientTapeActive(): boolean {
  return engine().state.gradientDepth > 0;
}

/** A tape opened by `openTape`; `handedOver` once `gradients()` owns it. */
export interface OpenTape {
  handedOver: boolean;
}

/**
 * Open the tape, or undefined when a gradient computation is already taping: another training in
 * the same thread may hold its tape open across its force field's await. The caller then draws
 * untaped and redraws under `tf.variableGrads` (the same numbers to the bit).
 */
export function openTape(): OpenTape | undefined {
  const e = engine();
  if (typeof e.startTape !== 'function' || e.state.gradientDepth !== 0) return undefined;
  e.startTape();
  return { handedOver: false };
}

/**
 * Inside the loss function of `tf.variableGrads`, as its last step: give the open tape's depth to
 * `gradients()`, so that its backward runs untaped and it cleans up the tape (see the file comment).
 */
export function handOverTape(t: OpenTape): void {
  if (t.handedOver) return;
  engine().state.gradientDepth--;
  t.handedOver = true;
}

/** End the tape if it was not handed over, and free what its nodes saved once no tape is left open. */
export function closeTape(t: OpenTape | undefined): void {
  if (!t) return;
  const e = engine();
  if (!t.handedOver) e.endTape();
  t.handedOver = true;
  if (e.state.gradientDepth !== 0) return;
  for (const node of e.state.activeTape ?? []) for (const x of node.saved ?? []) x.dispose();
  e.state.activeTape = null;
}

/** A draw made on a tape this step opened; its tensors outlive the draw call. */
export interface TapedDraw {
  draw: ModelDraw;
  tape: OpenTape;
}

/** Open a tape and draw on it, or undefined when no tape can be opened (see `openTape`). */
export function drawOnTape(draw: () => ModelDraw): TapedDraw | undefined {
  const tape = openTape();
  if (!tape) return undefined;
  try {
    return { tape, draw: tf.tidy(() => draw() as unknown as tf.TensorContainer) as unknown as ModelDraw };
  } catch (e) {
    closeTape(tape);
    throw e;
  }
}

/** Close the draw's tape (if not handed over) and free the draw's tensors. */
export function releaseDraw(t: TapedDraw | undefined): void {
  if (!t) return;
  closeTape(t.tape);
  const d = t.draw;
  tf.dispose([d.y, d.logQ, d.z, d.choiceLogProb, d.proposalLogRatio].filter((x) => x !== undefined));
}
