import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Topology } from '@embedcg/core';
import type { MoleculeTopology, HistoryRecord } from './types.js';
import { parseHistory } from './run-files.js';
import { trainingCurves } from './plots/training-curves.js';
import { checkSvg } from './test-support/fixtures.js';

// Compile-time check: core's Topology can be handed to the report as it is.
const asViz = (t: Topology): MoleculeTopology => t;

test("core's Topology is accepted where viz wants a MoleculeTopology", () => {
  const t: Topology = { atoms: [{ name: 'C', element: 'C', mass: 12, residueName: 'X', residueIndex: 0 }], bonds: [] };
  assert.equal(asViz(t).atoms.length, 1);
});

test('trainingCurves tolerates what the trainer writes: null ESS, extra fields, final level without ESS', async () => {
  const text = [
    '{"type":"step","step":0,"level":0,"beta":0.1,"betaFraction":0.25,"loss":5,"ess":null,"dropped":0,"energyEvaluations":64,"wallSeconds":0.1}',
    '{"type":"step","step":1,"level":0,"beta":0.1,"betaFraction":0.25,"loss":4,"ess":0.5,"dropped":1,"energyEvaluations":128,"wallSeconds":0.2}',
    '{"type":"level","level":0,"beta":0.1,"betaFraction":0.25,"nextBeta":0.2,"ess":0.5,"energyEvaluations":128,"wallSeconds":0.2}',
    '{"type":"step","step":2,"level":1,"beta":0.4,"betaFraction":1,"loss":3,"ess":0.6,"dropped":0,"energyEvaluations":192,"wallSeconds":0.3}',
    '{"type":"level","level":1,"beta":0.4,"betaFraction":1,"phase":"final","energyEvaluations":192,"wallSeconds":0.3}',
  ].join('\n');
  const history: HistoryRecord[] = parseHistory(text + '\n');
  const info = checkSvg(await trainingCurves(history));
  assert.ok(info.texts.includes('ESS (fraction)'));
});
