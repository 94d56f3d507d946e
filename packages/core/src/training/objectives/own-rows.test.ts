// Data-parallel training prepares every objective on the whole batch's numbers, and each worker
// tapes only its rows (TapedBatch.rows): the shares' values and gradients must sum to the whole
// batch's. Checked for each objective on a four-row batch whose second row the energy guard
// dropped, split at every place, in the one-row and the many-row shapes of a share.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../../backend.js';
import type { ModelDraw } from '../../contracts/model.js';
import { LossSum, type BatchNumbers, type Objective, type TapedBatch } from './objective.js';
import { reverseKL } from './reverse-kl.js';
import { renyi } from './renyi.js';
import { forwardKL } from './forward-kl.js';
import { scoreFunction } from './score-function.js';
import { batch, perAll, ratio } from './batch-fixture.test.util.js';

before(async () => {
  await selectBackend('wasm');
});

const choice = [-0.7, -3, -0.2, -1.1];
const proposal = [0.3, 5, -0.2, 0.1];

/**
 * Value and ∂/∂θ of the loss over rows [begin, begin + size), with θ in every taped quantity:
 * ℓ + βU = θ·perAll, log P = θ·choice, log(q/proposal) = θ·proposal, log q(y) = −θ|y|²/2.
 */
function share(b: BatchNumbers, objectives: Objective<BatchNumbers, TapedBatch>[], begin: number, size: number) {
  const theta = tf.variable(tf.scalar(1));
  const terms = objectives.flatMap((o) => o.prepare(b) ?? []);
  const rows = (v: number[]) => tf.tensor1d(v.slice(begin, begin + size));
  const { value, grads } = tf.variableGrads(() => {
    const draw = {
      y: tf.zeros([size, 2]),
      logQ: tf.zeros([size]),
      ...(b.hasChoice ? { choiceLogProb: tf.mul(theta, rows(choice)) } : {}),
      ...(b.proposalLogRatio ? { proposalLogRatio: tf.mul(theta, rows(proposal)) } : {}),
    } as ModelDraw;
    const taped: TapedBatch = {
      perSample: tf.mul(theta, rows(perAll)) as tf.Tensor1D,
      draw,
      logQ: (t) => tf.mul(tf.mul(-0.5, theta), tf.sum(tf.square(t), 1)) as tf.Tensor1D,
      ...(size < b.size ? { rows: { begin, size } } : {}),
    };
    const sum = new LossSum();
    for (const t of terms) t.addTo(sum, taped);
    return sum.value;
  }, [theta]);
  const out = { value: value.dataSync()[0]!, dTheta: grads[theta.name]!.dataSync()[0]! };
  terms.forEach((t) => t.dispose());
  tf.dispose([value, grads, theta]);
  return out;
}

const cases: [string, BatchNumbers, Objective<BatchNumbers, TapedBatch>[]][] = [
  ['reverse KL', batch(), [reverseKL({ balanced: false })]],
  [
    'reverse KL, proposal, balanced fit, score function',
    batch({ ratio, proposalLogRatio: proposal }),
    [reverseKL({ balanced: true }), scoreFunction],
  ],
  [
    'Rényi with reverseKLShare, choiceLogProb score function',
    batch({ renyiPower: 0.5, hasChoice: true }),
    [renyi({ reverseKLShare: 0.25, balanced: false }), scoreFunction],
  ],
  [
    'reverse KL with forward KL, proposal',
    batch({ ratio, proposalLogRatio: proposal }),
    [reverseKL({ balanced: false }), scoreFunction, forwardKL(0.5)],
  ],
];

for (const [name, b, objectives] of cases) {
  test(`${name}: the shares of every split sum to the whole batch's value and gradient`, () => {
    const whole = share(b, objectives, 0, 4);
    assert.ok(Math.abs(whole.dTheta) > 1e-3, 'a vanishing gradient would make the check vacuous');
    for (const cut of [1, 2, 3]) {
      const a = share(b, objectives, 0, cut);
      const c = share(b, objectives, cut, 4 - cut);
      for (const k of ['value', 'dTheta'] as const) {
        const sum = a[k] + c[k];
        assert.ok(
          Math.abs(sum - whole[k]) <= 1e-6 * Math.max(1, Math.abs(whole[k])),
          `${k}, cut ${cut}: ${sum} vs ${whole[k]}`,
        );
      }
    }
  });
}
