import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { buildZMatrix, createInternalCoordinateTransform, loadSystemJson, readPdb } from '@embedcg/core/molecules';
import { createVaeModel, rotorLogDensity64, vaePlugin, type VaeModel, type VaeOptionsInput } from './index.js';
import { rotorLogMixture } from './rotor-symmetry.js';
import { assertGradientsMatchDifferences, setupBackend } from './setup.test.util.js';

before(setupBackend);

const TWO_PI_3 = (2 * Math.PI) / 3;

/** log q(y|z) of a 1-D model with one rotor, from decoderLogDensity at fixed z. */
function oneDimDensity(model: VaeModel, thetas: number[], z: number): Float32Array {
  return tf.tidy(
    () =>
      model
        .decoderLogDensity(tf.tensor2d(thetas, [thetas.length, 1]), tf.fill([thetas.length, 1], z))
        .dataSync() as Float32Array,
  );
}

/** μ (in y units) and σ (in y units) of a 1-D model's decoder at z. */
function decoderStats(model: VaeModel, z: number): { mu: number; sigma: number } {
  return tf.tidy(() => {
    const zt = tf.tensor2d([z], [1, 1]);
    return { mu: model.decode(zt).dataSync()[0]!, sigma: Math.exp(0.5 * model.decodeLogVariance(zt).dataSync()[0]!) };
  });
}

test('rotor mixture: the decoder density integrates to one over the circle, for a narrow and a wide σ', () => {
  for (const [initialLogVariance, scale] of [
    [-2, 0.3],
    [2, 0.5],
  ] as const) {
    const model = createVaeModel(
      {
        latentDim: 1,
        decoderHidden: [4],
        encoderHidden: [4],
        encoderActivations: ['selu'],
        rotorSymmetry: [0],
        outputScale: scale,
        initialLogVariance,
        finalLayerScale: 1,
        scope: `t-rot-int${initialLogVariance}`,
      },
      { dimension: 1, seed: 3, outputMean: [2.9] },
    );
    try {
      const n = 6000;
      const h = (2 * Math.PI) / n;
      const thetas = Array.from({ length: n }, (_, i) => -Math.PI + (i + 0.5) * h);
      const logq = oneDimDensity(model, thetas, 0.7);
      const integral = logq.reduce((acc, v) => acc + Math.exp(v) * h, 0);
      assert.ok(Math.abs(integral - 1) < 2e-4, `∫q over [−π, π) = ${integral} (log σ² ${initialLogVariance})`);
    } finally {
      model.dispose();
    }
  }
});

test('rotor mixture: decoderLogDensity equals (1/3) Σ_m N(θ; μ + 2πm/3, σ²) by hand, and is 2π/3-periodic', () => {
  const model = createVaeModel(
    {
      latentDim: 1,
      decoderHidden: [4],
      encoderHidden: [4],
      encoderActivations: ['selu'],
      rotorSymmetry: [0],
      outputScale: 0.4,
      initialLogVariance: -0.3,
      finalLayerScale: 1,
      scope: 't-rot-hand',
    },
    { dimension: 1, seed: 5, outputMean: [-3] },
  );
  try {
    const z = -0.4;
    const { mu, sigma } = decoderStats(model, z);
    const thetas = [-3.1, -2, -0.5, 0, 0.9, 2.2, 3.1, mu, mu + TWO_PI_3 / 2];
    const got = oneDimDensity(model, thetas, z);
    thetas.forEach((t, i) => {
      const want = rotorLogDensity64(t, mu, sigma);
      assert.ok(Math.abs(got[i]! - want) < 2e-4, `θ = ${t}: ${got[i]} vs ${want}`);
    });
    // Three wells of equal height: θ, θ + 2π/3 and θ − 2π/3 have the same density.
    const shifted = oneDimDensity(model, [0.3, 0.3 + TWO_PI_3, 0.3 - TWO_PI_3], z);
    assert.ok(
      Math.abs(shifted[0]! - shifted[1]!) < 1e-4 && Math.abs(shifted[0]! - shifted[2]!) < 1e-4,
      `${Array.from(shifted)}`,
    );
  } finally {
    model.dispose();
  }
});

test('rotor mixture: rotorLogMixture stays finite and exact far from μ and for tiny σ', () => {
  const eps = [0, 0.3, -5, 40, 1e4];
  const a = [8, 0.6, 2.5, 20, 3];
  const got = tf.tidy(() => rotorLogMixture(tf.tensor2d(eps, [1, 5]), tf.tensor2d(a, [1, 5]), 15).dataSync());
  eps.forEach((e, i) => {
    // In units where σ = 1 the period is a: the same sum in Float64, over many images.
    let s = 0;
    const m0 = Math.round(-e / a[i]!);
    for (let m = m0 - 400; m <= m0 + 400; m++) s += Math.exp(-0.5 * (e + m * a[i]!) ** 2);
    const want = Math.log(s / 3);
    assert.ok(
      Number.isFinite(got[i]!) && Math.abs(got[i]! - want) < 1e-4 * Math.max(1, Math.abs(want)),
      `ε ${e}, a ${a[i]}: ${got[i]} vs ${want}`,
    );
  });
});

test("rotor mixture: a draw's logQ is the bound with the mixture density (shifted draws, unshifted rest)", () => {
  const opts: VaeOptionsInput = {
    latentDim: 1,
    decoderHidden: [5],
    encoderHidden: [5],
    encoderActivations: ['selu'],
    rotorSymmetry: [1],
    rotorEncoder: 'raw',
    circular: [1],
    outputScales: [0.5, 0.3, 0.7],
    initialLogVariance: -1,
    finalLayerScale: 1,
    scope: 't-rot-draw',
  };
  const model = createVaeModel(opts, { dimension: 3, seed: 8, outputMean: [0.1, 2.8, -0.2] });
  try {
    const n = 600;
    const rng = createRng(4);
    tf.tidy(() => {
      const { y, logQ, z } = model.draw(n, rng);
      const yv = y.dataSync(),
        zv = z!.dataSync(),
        lq = logQ.dataSync();
      // ℓ = log p(z) + log q(y|z) − log r(z|y), each from the model's own density functions.
      const logQyz = model.decoderLogDensity(y, z!).dataSync();
      const enc = model.encode(y).dataSync(),
        encLv = model.encodeLogVariance(y).dataSync();
      const centre = model.decode(z!).dataSync();
      const counts = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        const logP = -0.5 * zv[i]! ** 2 - 0.5 * Math.log(2 * Math.PI);
        const logR = -0.5 * (Math.log(2 * Math.PI) + encLv[i]! + (zv[i]! - enc[i]!) ** 2 * Math.exp(-encLv[i]!));
        const want = logP + logQyz[i]! - logR;
        assert.ok(
          Math.abs(lq[i]! - want) < 2e-3 * Math.max(1, Math.abs(want)),
          `sample ${i}: logQ ${lq[i]} vs ${want}`,
        );
        // The shift k: the rotor's distance to μ in units of 2π/3 (σ·0.3 ≈ 0.18 rad ≪ π/3).
        const k = Math.round((yv[3 * i + 1]! - centre[3 * i + 1]!) / TWO_PI_3);
        assert.ok(k >= -1 && k <= 1, `shift ${k}`);
        counts[k + 1]!++;
      }
      for (const c of counts) assert.ok(Math.abs(c / n - 1 / 3) < 0.07, `shift counts ${counts}`);
    });
  } finally {
    model.dispose();
  }
});

test('rotor mixture: loss gradients match central differences (shared variance and head)', () => {
  for (const decoderVariance of ['shared', 'head'] as const) {
    const model = createVaeModel(
      {
        latentDim: 2,
        decoderHidden: [5],
        decoderVariance,
        encoderHidden: [6],
        encoderActivations: ['tanh'],
        rotorSymmetry: [0, 2],
        rotorEncoder: 'raw',
        outputScales: [0.6, 0.5, 1.5],
        initialLogVariance: 0.5,
        finalLayerScale: 1,
        scope: `t-rot-grad-${decoderVariance}`,
      },
      { dimension: 3, seed: 9 },
    );
    // A three-fold energy in the rotors (so that σ matters through the mixture) and a quadratic one elsewhere.
    const loss = () =>
      tf.tidy(() => {
        const { y, logQ } = model.draw(24, createRng(13));
        const [a, b, c] = tf.split(y, 3, 1);
        const u = tf.add(
          tf.add(tf.mul(tf.cos(tf.mul(a!, 3)), 1.5), tf.square(tf.sub(b!, 0.4))),
          tf.mul(tf.sin(tf.mul(c!, 3)), -0.8),
        );
        return tf.mean(tf.add(logQ, tf.reshape(u, [24]))) as tf.Scalar;
      });
    try {
      assertGradientsMatchDifferences(model.variables(), loss, { rel: 1e-2, abs: 3e-3 }, `${decoderVariance} `);
    } finally {
      model.dispose();
    }
  }
});

test("rotor encoder 'hidden': the CVs do not change when a rotor turns; 'raw' they do", () => {
  const base: VaeOptionsInput = {
    latentDim: 1,
    decoderHidden: [4],
    encoderHidden: [5],
    encoderActivations: ['selu'],
    rotorSymmetry: [1],
    finalLayerScale: 1,
  };
  const hidden = createVaeModel({ ...base, scope: 't-rot-hid' }, { dimension: 2, seed: 2 });
  const raw = createVaeModel({ ...base, rotorEncoder: 'raw', scope: 't-rot-raw' }, { dimension: 2, seed: 2 });
  try {
    const y = tf.tensor2d([0.3, 0.1, 0.3, 1.4], [2, 2]);
    const h = hidden.encode(y).dataSync(),
      r = raw.encode(y).dataSync();
    assert.equal(h[0], h[1]);
    assert.notEqual(r[0], r[1]);
    y.dispose();
  } finally {
    hidden.dispose();
    raw.dispose();
  }
});

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

test("rotorSymmetry 'methyls' on the alanine internal-coordinates transform picks exactly the three methyl rotors", () => {
  const ala = join(repoRoot(), 'examples', 'alanine-dipeptide');
  const pdb = readPdb(join(ala, 'ala2.pdb'));
  const topology = { atoms: pdb.atoms, bonds: loadSystemJson(join(ala, 'system-vacuum.json')).bonds };
  const ic = createInternalCoordinateTransform({ nAtoms: 22, zMatrix: buildZMatrix(topology), topology });
  const logs: string[] = [];
  const context = {
    configDir: '.',
    seed: 1,
    log: (m: string) => logs.push(m),
    transform: ic,
    modelDimension: ic.inputDimension,
  } as never;
  const model = vaePlugin.create(
    {
      latentDim: 2,
      rotorSymmetry: 'methyls',
      scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.3 },
      scope: 't-rot-ala',
    },
    context,
  ) as VaeModel;
  try {
    assert.equal(model.rotors.length, 3);
    const carbons = model.rotors.map((i) => {
      const atoms = ic.names[i]!.slice('torsion '.length).split('-');
      assert.match(atoms[3]!, /^H/, ic.names[i]);
      assert.doesNotMatch(atoms[0]!, /^H/, ic.names[i]);
      return atoms[2]!.replace(/:\d+$/, '');
    });
    // ACE's methyl carbon CH3, alanine's CB and NME's methyl carbon (named C in residue 3).
    assert.deepEqual(
      carbons.sort(),
      ['C', 'CB', 'CH3'],
      ic.names.filter((_, i) => model.rotors.includes(i)).join('; '),
    );
    assert.ok(
      logs.some((l) => l.includes('three-fold rotor torsions')),
      logs.join('\n'),
    );
    const meta = model.metadata().options as { rotorSymmetry: number[]; rotorEncoder: string };
    assert.deepEqual(meta.rotorSymmetry, [...model.rotors], 'checkpoints store the resolved indices');
    assert.equal(meta.rotorEncoder, 'hidden');
  } finally {
    model.dispose();
  }
});

test('rotorSymmetry: clear errors naming the option', () => {
  const ctx = { dimension: 3, seed: 1 };
  assert.throws(
    () => createVaeModel({ rotorSymmetry: [3], scope: 't-rot-e1' }, ctx),
    /option rotorSymmetry lists 3, not a model-space index in \[0, 3\)/,
  );
  assert.throws(
    () => createVaeModel({ rotorSymmetry: [1, 1], scope: 't-rot-e2' }, ctx),
    /option rotorSymmetry must NOT have duplicate items/,
  );
  assert.throws(
    () => createVaeModel({ rotorSymmetry: 'methyls', scope: 't-rot-e3' }, ctx),
    /option rotorSymmetry 'methyls' needs a transform that names its 3 coordinates.*absent/,
  );
  assert.throws(
    () =>
      createVaeModel(
        { rotorSymmetry: 'methyls', scope: 't-rot-e4' },
        { ...ctx, coordinateNames: ['bond A-B', 'angle A-B-C', 'torsion A-B-C-D'] },
      ),
    /option rotorSymmetry 'methyls' found no methyl rotor torsion/,
  );
  assert.throws(
    () => createVaeModel({ rotorSymmetry: [0], decoderFlow: {}, scope: 't-rot-e5' }, ctx),
    /option rotorSymmetry cannot be combined with decoderFlow/,
  );
  assert.throws(
    () => createVaeModel({ rotorEncoder: 'harmonics' as never, scope: 't-rot-e6' }, ctx),
    /option rotorEncoder must be 'hidden' or 'raw'/,
  );
});
