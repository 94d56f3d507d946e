import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { assertGradientsMatchDifferences, quadraticDrawLoss, setupBackend } from './setup.test.util.js';

before(setupBackend);

const base: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [4],
  encoderHidden: [5],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5, 1],
};
const ctx = { dimension: 4, seed: 3, outputMean: [1, -3, 0.2, 3] };

test('latentSkip: at the start latent k mod d moves the k-th listed coordinate by slope per unit of z, and nothing else', () => {
  // finalLayerScale 0: the MLP's output is constant, so decode(z) is the skip path alone.
  const model = createVaeModel(
    {
      ...base,
      latentDim: 2,
      finalLayerScale: 0,
      latentSkip: { coordinates: [3, 1, 2], slope: 1.5 },
      scope: 't-skip-a',
    },
    ctx,
  );
  try {
    assert.deepEqual(model.latentSkip, { indices: [1, 2, 3], slope: 1.5 });
    const dec = tf.tidy(() => model.decode(tf.tensor2d([0, 0, 0.4, 0, 0, -0.8], [3, 2])).arraySync() as number[][]);
    const [z0, z1, z2] = dec as [number[], number[], number[]];
    // Sorted indices [1, 2, 3]: coordinate 1 ← z1, 2 ← z2, 3 ← z1 (k mod d).
    assert.ok(Math.abs(z1[1]! - z0[1]! - 1.5 * 0.4) < 1e-5, `coordinate 1 moved ${z1[1]! - z0[1]!}`);
    assert.ok(Math.abs(z1[3]! - z0[3]! - 1.5 * 0.4) < 1e-5, `coordinate 3 moved ${z1[3]! - z0[3]!}`);
    assert.ok(Math.abs(z1[2]! - z0[2]!) < 1e-6 && Math.abs(z1[0]! - z0[0]!) < 1e-6, 'z1 moves nothing else');
    assert.ok(Math.abs(z2[2]! - z0[2]! + 1.5 * 0.8) < 1e-5, `coordinate 2 moved ${z2[2]! - z0[2]!}`);
    assert.ok(Math.abs(z2[1]! - z0[1]!) < 1e-6 && Math.abs(z2[0]! - z0[0]!) < 1e-6, 'z2 moves nothing else');
    assert.deepEqual((model.metadata().options as { latentSkip: unknown }).latentSkip, {
      coordinates: [1, 2, 3],
      slope: 1.5,
    });
  } finally {
    model.dispose();
  }
});

test('latentSkip: its variable is extra (the others keep the weights of the same seed), and loss gradients match central differences', () => {
  const plain = createVaeModel({ ...base, scope: 't-skip-p' }, ctx);
  const skip = createVaeModel({ ...base, latentSkip: { coordinates: [1, 3], slope: 0.7 }, scope: 't-skip-g' }, ctx);
  try {
    const names = skip.variables().map((v) => v.name.replace('t-skip-g/', ''));
    assert.deepEqual(
      names.filter((n) => n !== 'decoder/skip'),
      plain.variables().map((v) => v.name.replace('t-skip-p/', '')),
    );
    plain.variables().forEach((v, i) => {
      const w = skip.variables().filter((x) => !x.name.endsWith('/decoder/skip'))[i]!;
      assert.deepEqual(Array.from(w.dataSync()), Array.from(v.dataSync()), v.name);
    });
    const loss = quadraticDrawLoss(skip, [1, -2, 0, 2.5], [40, 2, 3, 1]);
    assertGradientsMatchDifferences(skip.variables(), loss, { rel: 1e-2, abs: 3e-3 });
  } finally {
    plain.dispose();
    skip.dispose();
  }
});

test('latentSkip: clear errors naming the option', () => {
  const make = (latentSkip: unknown) => () =>
    createVaeModel({ ...base, latentSkip: latentSkip as never, scope: 't-skip-e' }, ctx);
  assert.throws(make({ coordinates: [4], slope: 1 }), /option latentSkip.coordinates lists 4, not a model-space index/);
  assert.throws(make({ coordinates: [1], slope: Infinity }), /option latentSkip.slope must be a finite number/);
  assert.throws(
    make({ coordinates: 'phi', slope: 1 }),
    /option latentSkip.coordinates must be 'backbone' or a non-empty list/,
  );
  assert.throws(
    make({ coordinates: 'backbone', slope: 1 }),
    /option latentSkip.coordinates 'backbone' needs a transform that names its 4 coordinates/,
  );
  assert.throws(make([1, 2]), /option latentSkip must be an object/);
});

test('latentSkipOnly: the skip coordinates stay linear in z however the MLP is trained; the others follow the MLP', () => {
  // finalLayerScale 1 and a trained-looking MLP: every output coordinate would bend with z.
  const opts = { ...base, finalLayerScale: 1, latentSkip: { coordinates: [1, 3], slope: 1.5 } };
  const only = createVaeModel({ ...opts, latentSkipOnly: true, scope: 't-skip-only' }, ctx);
  const mixed = createVaeModel({ ...opts, scope: 't-skip-mixed' }, ctx);
  try {
    for (const m of [only, mixed]) {
      for (const v of m.variables().filter((x) => x.name.includes('/decoder/') && !x.name.endsWith('/skip'))) {
        v.assign(
          tf.tensor(
            Float32Array.from({ length: v.size }, (_, i) => Math.sin(1.7 * i + 0.3)),
            v.shape,
          ),
        );
      }
    }
    const zs = [
      [0, 0],
      [0.7, -0.4],
      [-1.3, 2.1],
    ];
    const decode = (m: typeof only) =>
      tf.tidy(() => m.decode(tf.tensor2d(zs.flat(), [3, 2])).arraySync() as number[][]);
    const a = decode(only),
      b = decode(mixed);
    // Coordinate 1 (scale 1) ← z1 and 3 (scale 1) ← z2 at slope 1.5, exactly: mean + 1.5 z.
    zs.forEach(([z1, z2], i) => {
      assert.ok(Math.abs(a[i]![1]! - (-3 + 1.5 * z1!)) < 1e-5, `row ${i} coordinate 1: ${a[i]![1]}`);
      assert.ok(Math.abs(a[i]![3]! - (3 + 1.5 * z2!)) < 1e-5, `row ${i} coordinate 3: ${a[i]![3]}`);
      // The other coordinates are the same MLP's in both models.
      for (const c of [0, 2]) assert.ok(Math.abs(a[i]![c]! - b[i]![c]!) < 1e-6, `row ${i} coordinate ${c}`);
    });
    // Without the option the MLP moves the skip coordinates too.
    assert.ok(
      zs.some((_, i) => Math.abs(b[i]![1]! - a[i]![1]!) > 0.05),
      'the MLP bends coordinate 1 without latentSkipOnly',
    );
    assert.equal((only.metadata().options as { latentSkipOnly?: boolean }).latentSkipOnly, true);
    assert.throws(
      () => createVaeModel({ ...base, latentSkipOnly: true, scope: 't-skip-only-bad' }, ctx),
      /latentSkipOnly.*needs latentSkip/,
    );
  } finally {
    only.dispose();
    mixed.dispose();
  }
});

test('latentSkipMlpRange: the MLP moves the skip coordinates by r·tanh(MLP/r), never more than r; gradients match differences', () => {
  // Output scales 1 (coordinate 1) and 1 (coordinate 3): r = 0.2 is 0.2 in standardised units too;
  // coordinate 2 (scale 0.5) is not a skip coordinate and keeps the MLP whole.
  const opts = { ...base, finalLayerScale: 1, latentSkip: { coordinates: [1, 3], slope: 1.5 } };
  const bounded = createVaeModel(
    { ...opts, latentSkipOnly: true, latentSkipMlpRange: 0.2, scope: 't-skip-range' },
    ctx,
  );
  const free = createVaeModel({ ...opts, scope: 't-skip-free' }, ctx);
  const off = createVaeModel({ ...opts, latentSkipOnly: true, scope: 't-skip-off' }, ctx);
  try {
    for (const m of [bounded, free, off]) {
      for (const v of m.variables().filter((x) => x.name.includes('/decoder/') && !x.name.endsWith('/skip'))) {
        v.assign(
          tf.tensor(
            Float32Array.from({ length: v.size }, (_, i) => Math.sin(1.7 * i + 0.3)),
            v.shape,
          ),
        );
      }
    }
    const zs = [
      [0, 0],
      [0.7, -0.4],
      [-1.3, 2.1],
      [3, -3],
    ];
    const decode = (m: typeof bounded) =>
      tf.tidy(() => m.decode(tf.tensor2d(zs.flat(), [zs.length, 2])).arraySync() as number[][]);
    const a = decode(bounded),
      f = decode(free),
      o = decode(off);
    let bent = 0;
    zs.forEach((_, i) => {
      for (const c of [1, 3]) {
        // free − off is the MLP's own push m (the skip path is the same in both): bounded = off + r·tanh(m/r).
        const m = f[i]![c]! - o[i]![c]!;
        assert.ok(
          Math.abs(a[i]![c]! - o[i]![c]! - 0.2 * Math.tanh(m / 0.2)) < 1e-5,
          `row ${i} coordinate ${c}: ${a[i]![c]! - o[i]![c]!} vs ${0.2 * Math.tanh(m / 0.2)}`,
        );
        assert.ok(Math.abs(a[i]![c]! - o[i]![c]!) <= 0.2 + 1e-6);
        if (Math.abs(m) > 0.2) bent++;
      }
      for (const c of [0, 2])
        assert.ok(Math.abs(a[i]![c]! - f[i]![c]!) < 1e-6, `row ${i} coordinate ${c} keeps the MLP`);
    });
    assert.ok(bent > 0, 'the scrambled MLP pushes some skip coordinate further than r, so the bound acts');
    assert.equal((bounded.metadata().options as { latentSkipMlpRange?: number }).latentSkipMlpRange, 0.2);
    assertGradientsMatchDifferences(bounded.variables(), quadraticDrawLoss(bounded, [1, -2, 0, 2.5], [40, 2, 3, 1]), {
      rel: 1e-2,
      abs: 3e-3,
    });
    assert.throws(
      () => createVaeModel({ ...opts, latentSkipMlpRange: 0.2, scope: 't-skip-range-bad' }, ctx),
      /latentSkipMlpRange.*needs latentSkipOnly/,
    );
    assert.throws(
      () => createVaeModel({ ...opts, latentSkipOnly: true, latentSkipMlpRange: -1, scope: 't-skip-range-neg' }, ctx),
      /latentSkipMlpRange/,
    );
  } finally {
    bounded.dispose();
    free.dispose();
    off.dispose();
  }
});
