// The schedule checks over core's three built-in schedules, and one broken schedule per check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TemperingSchedule } from '../contracts/schedule.js';
import { API_VERSION, defineSchedule } from '../plugin.js';
import { createKlIncreaseSchedule, geometricPlugin, klIncreasePlugin, lossPlateauPlugin } from '../schedules/index.js';
import { runPluginConformance, scheduleSamples } from './index.js';

const CHECKS = ['initial β', 'β ladder', 'level completion', 'state round trip'];

test('the kl-increase, loss-plateau and geometric schedules pass every schedule check', async () => {
  const details: Record<string, string[]> = {};
  for (const p of [klIncreasePlugin, lossPlateauPlugin, geometricPlugin]) {
    const results = await runPluginConformance(p);
    assert.deepEqual(
      results.map((r) => r.check),
      ['descriptor and schema-valid defaults', ...CHECKS],
    );
    details[p.name] = results.map((r) => r.detail);
  }
  assert.equal(details['kl-increase']![4], '3 decisions reproduced after restoring the state of level 2');
  assert.equal(details['geometric']![2], 'β* = 1 in 20 levels, β* = 0.4 in 20 levels');
  // β₀ = 0.01 β*, × 1.5 per level: 12 levels to reach β*.
  assert.equal(details['loss-plateau']![2], 'β* = 1 in 12 levels, β* = 0.4 in 12 levels');
});

test('scheduleSamples: q = N(0, 1.5/β · I₃) against U = ½|x|², so E[U] = 2.25/β and logQ is its log-density', () => {
  const beta = 0.4,
    M = 20000;
  const s = scheduleSamples(beta, M, 3);
  const meanU = s.energies.reduce((a, v) => a + v, 0) / M;
  // Var U = ½ · 3 · (1.5/β)², so the standard error of the mean is ≈ 0.033 here.
  assert.ok(Math.abs(meanU - 2.25 / beta) < 0.15, `E[U] = ${meanU}`);
  const s2 = 1.5 / beta;
  for (let i = 0; i < 5; i++)
    assert.ok(Math.abs(s.logQ[i]! - (-s.energies[i]! / s2 - 1.5 * Math.log(2 * Math.PI * s2))) < 1e-12);
});

/** The geometric schedule's behaviour with one part replaced. */
function broken(name: string, part: Partial<TemperingSchedule>) {
  return defineSchedule<Record<string, never>>({
    name,
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: async () => ({ ...(await geometricPlugin.create({ initialFraction: 0.1, levels: 5 }, ctx)), ...part }),
  });
}
const ctx = { configDir: '.', seed: 0, log: () => {} };

async function failures(p: ReturnType<typeof broken>): Promise<Array<[string, string]>> {
  const results = await runPluginConformance(p, { throwOnFailure: false, schedule: { maxLevels: 1000 } });
  return results.filter((r) => !r.passed).map((r) => [r.check, r.detail]);
}

test('each broken schedule fails the check written for its fault, with a plain message', async () => {
  assert.deepEqual(await failures(broken('hot-start', { initialBeta: (t) => 2 * t })), [
    ['initial β', 'initial β: geometric: initialBeta(1) = 2, expected a number in (0, 1]'],
  ]);
  assert.deepEqual(await failures(broken('uncapped', { nextBeta: (c) => ({ beta: c.beta * 3 }) })), [
    ['β ladder', 'β ladder: geometric: level 2: nextBeta gave β = 2.7, past the target 1'],
  ]);
  assert.deepEqual(await failures(broken('stuck', { nextBeta: (c) => ({ beta: c.beta }) })), [
    ['β ladder', 'β ladder: geometric: level 0: nextBeta gave β = 0.1, which does not increase β = 0.1'],
  ]);
  const nanInfo = broken('nan-info', { nextBeta: (c) => ({ beta: Math.min(2 * c.beta, 1), info: { kl: NaN } }) });
  assert.deepEqual(await failures(nanInfo), [
    ['β ladder', 'β ladder: geometric: level 0: info.kl is NaN, expected a number'],
  ]);
  assert.deepEqual(await failures(broken('creeping', { nextBeta: (c) => ({ beta: c.beta + 1e-9 }) })), [
    ['β ladder', 'β ladder: geometric: β = 0.10000099999999948 after 1000 levels, still below the target 1'],
  ]);
  assert.deepEqual(await failures(broken('endless', { levelComplete: () => false })), [
    ['level completion', 'level completion: geometric: level 0 is not complete after 100000 steps of a flat loss'],
  ]);
});

test('a kl-increase schedule that does not restore its state fails the state round trip', async () => {
  const forgetful = defineSchedule<Record<string, never>>({
    name: 'forgetful',
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => {
      const s = createKlIncreaseSchedule({
        initialFraction: 0.01,
        maxStepFraction: 0.05,
        minStepFraction: 0.001,
        delta: 0.1,
        shrink: 0.6,
        samples: 500,
      });
      return { ...s, setState: () => {} };
    },
  });
  const results = await runPluginConformance(forgetful, { throwOnFailure: false });
  const failed = results.filter((r) => !r.passed);
  assert.deepEqual(
    failed.map((r) => r.check),
    ['state round trip'],
  );
  assert.match(
    failed[0]!.detail,
    /^state round trip: kl-increase: level 2: the schedule decided \{"beta":.*, but a fresh one given its saved state decided/,
  );
  const unserializable = broken('bigint-state', { getState: () => ({ n: 1n }) });
  assert.deepEqual(await failures(unserializable), [
    [
      'state round trip',
      'state round trip: geometric: getState() is not JSON-serializable: Do not know how to serialize a BigInt',
    ],
  ]);
});
