// The force check at the start of training, against a closed-form quadratic in 6 coordinates and
// broken copies of it, with a stand-in model whose draws are standard normals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import type { EnergyBatch, ForceField } from '../contracts/force-field.js';
import type { Model } from '../contracts/model.js';
import { validateRunConfig } from '../config/run-config.js';
import { PluginError } from '../errors.js';
import { checkForcesAtStart } from './force-check.js';

const D = 6;
type Flaw = (b: EnergyBatch) => EnergyBatch;

/** U = Σ_k (k + 1) x_k², F_k = −2 (k + 1) x_k; counts the configurations it evaluates. */
function quadratic(flaw?: Flaw): ForceField & { evaluated: number } {
  const ff = {
    name: 'quadratic',
    dimension: D,
    initialPositions: Float64Array.from({ length: D }, (_, k) => 0.1 * k),
    evaluated: 0,
    evaluate(x: Float64Array, n: number, o?: { energiesOnly?: boolean }): EnergyBatch {
      ff.evaluated += n;
      const energies = new Float64Array(n);
      const forces = new Float64Array(o?.energiesOnly ? 0 : n * D);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < D; k++) {
          const v = x[i * D + k]!;
          energies[i]! += (k + 1) * v * v;
          if (!o?.energiesOnly) forces[i * D + k] = -2 * (k + 1) * v;
        }
      return flaw ? flaw({ energies, forces }) : { energies, forces };
    },
  };
  return ff;
}

/** Draws standard normals from the rng it is given (as every model must). */
const normals: Model = {
  name: 'normals',
  dimension: D,
  exactDensity: true,
  draw: (n, rng) => ({
    y: tf.tensor2d(rng.fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]),
    logQ: tf.zeros([n]) as tf.Tensor1D,
  }),
  variables: () => [],
  metadata: () => ({ plugin: 'normals', dimension: D }),
  dispose: () => {},
};

function config(forceCheck: Record<string, unknown> = {}) {
  return validateRunConfig({
    name: 'check',
    seed: 4,
    forceField: { package: 'my-ff-package', name: 'quadratic-plugin' },
    model: { package: 'm', name: 'normals' },
    training: { forceCheck },
  });
}

test('a correct force field passes, at n·(1 + 2k) evaluations: n = configurations + the initial positions', async () => {
  const ff = quadratic();
  const r = await checkForcesAtStart({ config: config(), forceField: ff, model: normals });
  assert.deepEqual(r, {
    enabled: true,
    configurations: 5,
    components: 3,
    evaluations: 5 * (1 + 2 * 3),
    result: r.enabled ? r.result : '',
  });
  assert.equal(ff.evaluated, 35, 'the count is the force field’s own');
  const more = await checkForcesAtStart({
    config: config({ configurations: 2, components: 10 }),
    forceField: quadratic(),
    model: normals,
  });
  assert.equal(more.enabled && more.evaluations, 3 * (1 + 2 * D), 'components are capped at the dimension');
  assert.deepEqual(await checkForcesAtStart({ config: config({ enabled: false }), forceField: ff, model: normals }), {
    enabled: false,
  });
  assert.equal(ff.evaluated, 35, 'a disabled check evaluates nothing');
});

test('wrong-sign forces are refused naming the plugin, the configuration, the worst component and the skip', async () => {
  const flipped = quadratic((b) => ({ ...b, forces: b.forces.map((f) => -f) }));
  await assert.rejects(checkForcesAtStart({ config: config(), forceField: flipped, model: normals }), (e: Error) => {
    assert.ok(e instanceof PluginError, e.message);
    assert.match(e.message, /^force field "quadratic" \(plugin "quadratic-plugin" of package "my-ff-package"\)/);
    assert.match(e.message, /fails the force check at the start of training: configuration \d, coordinate \d: force /);
    assert.match(e.message, /configuration \d is (the initial positions|draw \d of 4 from the initial model)/);
    assert.match(e.message, /--set training\.forceCheck\.enabled=false/);
    return true;
  });
});

test('a short forces array and a NaN energy are refused with what is wrong', async () => {
  const short = quadratic((b) => ({ ...b, forces: b.forces.subarray(0, b.forces.length - 1) }));
  await assert.rejects(
    checkForcesAtStart({ config: config(), forceField: short, model: normals }),
    (e: Error) =>
      e instanceof PluginError &&
      /a batch of 5 configurations: forces has length 29, expected n · D = 5 · 6 = 30/.test(e.message),
  );
  const nan = quadratic((b) => {
    b.energies[2] = NaN;
    return b;
  });
  await assert.rejects(
    checkForcesAtStart({ config: config(), forceField: nan, model: normals }),
    (e: Error) =>
      e instanceof PluginError &&
      /configuration 2 \(draw 2 of 4 from the initial model\): energy is NaN \(only \+Infinity is allowed\)/.test(
        e.message,
      ),
  );
});

test('a term wrong in one coordinate is found among the components drawn at random', async () => {
  // Coordinate 5's force is off by 10 %: evenly spaced picks of 3 of 6 (0, 2, 4) would never see
  // it; random picks miss it in one configuration of two, in all 9 with probability 2⁻⁹.
  const off = quadratic((b) => {
    for (let k = 5; k < b.forces.length; k += D) b.forces[k]! *= 1.1;
    return b;
  });
  await assert.rejects(
    checkForcesAtStart({ config: config({ configurations: 8 }), forceField: off, model: normals }),
    (e: Error) => e instanceof PluginError && /, coordinate 5: force /.test(e.message),
  );
});
