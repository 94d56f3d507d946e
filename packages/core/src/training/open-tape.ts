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

/** Whether the tape `openTape` opened is still this module's to end (not handed over). */
let open = false;

/** Open the tape; refused inside another gradient computation (the tape would be that one's). */
export function openTape(): void {
  const e = engine();
  if (typeof e.startTape !== 'function' || e.state.gradientDepth !== 0)
    throw new Error('openTape: the tfjs engine is already taping (or has no startTape)');
  e.startTape();
  open = true;
}

/**
 * Inside the loss function of `tf.variableGrads`, as its last step: give the open tape's depth to
 * `gradients()`, so that its backward runs untaped and it cleans up the tape (see the file comment).
 */
export function handOverTape(): void {
  if (!open) return;
  engine().state.gradientDepth--;
  open = false;
}

/** End the tape opened by `openTape` if it was not handed over, and free what its nodes saved. */
export function closeTape(): void {
  const e = engine();
  if (open) e.endTape();
  open = false;
  if (e.state.gradientDepth !== 0) return;
  for (const node of e.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
  e.state.activeTape = null;
}

/** A model draw with the tape open; its tensors outlive the call (dispose them with `disposeDraw`). */
export function tapedDraw(draw: () => ModelDraw): ModelDraw {
  return tf.tidy(() => draw() as unknown as tf.TensorContainer) as unknown as ModelDraw;
}

export function disposeDraw(d: ModelDraw | undefined): void {
  if (d) tf.dispose([d.y, d.logQ, d.z, d.choiceLogProb, d.proposalLogRatio].filter((t) => t !== undefined));
}
