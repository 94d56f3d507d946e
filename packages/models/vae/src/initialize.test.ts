import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, type TargetProbe } from '@embedcg/core';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const WELLS = [-3, 0.5, 3];

/** log p̃ of three wells along y0 (depths 6, 4, 2) and a soft pull of y1 to 0. */
function threeWells(y0: number, y1: number): number {
  return Math.log(WELLS.reduce((a, c, i) => a + (6 - 2 * i) * Math.exp(-((y0 - c) ** 2) / 0.1), 1e-9)) - 0.5 * y1 * y1;
}

function probe(calls: number[]): TargetProbe {
  return {
    beta: 1,
    rng: createRng(11),
    async logTarget(y: Float64Array, n: number) {
      calls.push(n);
      return Float64Array.from({ length: n }, (_, i) => threeWells(y[2 * i]!, y[2 * i + 1]!));
    },
  };
}

const options = (scan: boolean, scope: string): VaeOptionsInput => ({
  latentDim: 1,
  decoderHidden: [8],
  encoderHidden: [8],
  encoderActivations: ['tanh'],
  outputScales: [1, 1],
  scope,
  latentSkip: { coordinates: [0], slope: 1 },
  priorMixture: {
    components: 3,
    spread: 0.3,
    std: 0.2,
    componentDecoder: true,
    ...(scan ? { scan: { candidates: 3000, spread: 3, radius: 0.8 } } : {}),
  },
});

test('priorMixture.scan starts one component in each basin of the target; without it initialize changes nothing', async () => {
  const ctx = { dimension: 2, seed: 5, outputMean: [0, 0] };
  const model = createVaeModel(options(true, 't-scan'), ctx);
  const plain = createVaeModel(options(false, 't-noscan'), ctx);
  try {
    const centres = model.variables().find((v) => v.name.endsWith('/prior/centres'))!;
    const decodedY0 = () =>
      tf.tidy(() =>
        Array.from(model.decode(centres as unknown as tf.Tensor2D).dataSync()).filter((_, j) => j % 2 === 0),
      );
    // Before the scan the components sit near z = 0: none decodes into an outer well.
    for (const v of decodedY0()) assert.ok(Math.abs(v) < 2, `before the scan a component decodes to y0 = ${v}`);
    const calls: number[] = [];
    const said = await model.initialize(probe(calls));
    assert.deepEqual(calls, [3000], 'one probe call with every candidate');
    assert.match(
      said ?? '',
      /placed the 3 components at the best 3 of \d+ basin bottoms among 3000 decoded structures/,
    );
    const y0 = decodedY0();
    // In order of depth, each within a tenth of its well (the candidates are a finite scan).
    y0.forEach((v, i) =>
      assert.ok(Math.abs(v - WELLS[i]!) < 0.1, `component ${i} decodes to y0 = ${v}, expected near ${WELLS[i]}`),
    );

    const before = plain.variables().map((v) => Array.from(v.dataSync()));
    const noCalls: number[] = [];
    assert.equal(await plain.initialize(probe(noCalls)), undefined);
    assert.deepEqual(noCalls, []);
    plain.variables().forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), before[i], `${v.name} changed`));
  } finally {
    model.dispose();
    plain.dispose();
  }
});

test('priorMixture.scan options are checked by name', () => {
  const ctx = { dimension: 2, seed: 5, outputMean: [0, 0] };
  const bad = (scan: unknown) => () =>
    createVaeModel({ latentDim: 1, priorMixture: { components: 2, scan } } as VaeOptionsInput, ctx);
  assert.throws(bad({ radius: 0 }), /priorMixture\.scan\.radius must be > 0, got 0/);
  assert.throws(bad({ candidates: 1 }), /priorMixture\.scan\.candidates must be ≥ 2, got 1/);
  assert.throws(
    () => createVaeModel({ latentDim: 1, priorMixture: { components: 3, scan: { candidates: 2 } } }, ctx),
    /priorMixture\.scan\.candidates.*integer ≥ the 3 components/,
  );
  assert.throws(bad({ keep: 2 }), /priorMixture\.scan\.keep must be ≤ 1, got 2/);
  assert.throws(bad({ width: 1 }), /priorMixture\.scan\.width.*is not an option/);
  assert.throws(bad(true), /priorMixture\.scan.*must be an object/);
});

test("core's conformance check of initialize rejects a model that probes NaN or resolves to a non-string", async () => {
  const { checkModelInitialize } = await import('@embedcg/core/testkit');
  const model = createVaeModel(options(true, 't-scan-conf'), { dimension: 2, seed: 5, outputMean: [0, 0] });
  try {
    assert.match(await checkModelInitialize(model), /probed 3000 configurations; draws still conform/);
    const original = model.initialize.bind(model);
    Object.assign(model, {
      initialize: async (p: TargetProbe) => {
        await p.logTarget(Float64Array.from([0, NaN]), 1);
        return undefined;
      },
    });
    await assert.rejects(checkModelInitialize(model), /probed non-finite coordinates/);
    Object.assign(model, { initialize: async () => 3 });
    await assert.rejects(checkModelInitialize(model), /resolved to number, expected a string or undefined/);
    Object.assign(model, { initialize: original });
  } finally {
    model.dispose();
  }
});
