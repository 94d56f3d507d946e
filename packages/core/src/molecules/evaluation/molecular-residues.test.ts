import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Angles, MolecularMetrics, SampleWeights } from './molecular.js';
import {
  jointPopulations,
  jointStateName,
  jointStates,
  populationFactor,
  residueMetrics,
  type ResidueAngles,
} from './molecular-residues.js';

const DEG = Math.PI / 180;
const close = (a: number | undefined, b: number, tol: number, what: string) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

// One (φ, ψ) in each state: β (C5/PII), αR, C7ax/αL (φ > 0 proper).
const STATE_ANGLES: Record<string, [number, number]> = { b: [-80, 150], a: [-70, -40], p: [60, 30] };

/** Frames whose joint states follow `plan` ([state letters, count], …), one residue per letter. */
function framesOf(plan: [string, number][]): ResidueAngles[] {
  const N = plan[0]![0].length;
  const n = plan.reduce((a, [, c]) => a + c, 0);
  const res = Array.from({ length: N }, (_, r) => ({
    label: `ALA${r + 2}`,
    phi: new Float64Array(n),
    psi: new Float64Array(n),
  }));
  let i = 0;
  for (const [states, count] of plan)
    for (let k = 0; k < count; k++, i++)
      res.forEach((r, j) => {
        const [phi, psi] = STATE_ANGLES[states[j]!]!;
        r.phi[i] = phi * DEG;
        r.psi[i] = psi * DEG;
      });
  return res;
}

const noWeights: SampleWeights = { haveW: false };

test('joint backbone states: codes, names and populations of a constructed sample', () => {
  const r = framesOf([
    ['bbb', 500],
    ['aba', 300],
    ['pab', 150],
    ['ppp', 50],
  ]);
  const codes = jointStates(r);
  assert.equal(jointStateName(codes[0]!, 3), 'bbb');
  assert.equal(jointStateName(codes[500]!, 3), 'aba');
  assert.equal(jointStateName(codes[800]!, 3), 'pab');
  assert.equal(jointStateName(26, 3), 'ppp');
  const p = jointPopulations(codes, 3);
  assert.equal(p.length, 27);
  close(p[0], 0.5, 1e-15, 'bbb');
  close(p[codes[500]!], 0.3, 1e-15, 'aba');
  close(p[26], 0.05, 1e-15, 'ppp');
  // Linear weights 3 on the ppp frames: 0.15 / 1.1.
  const w = Float64Array.from(codes, (c) => (c === 26 ? 3 : 1));
  close(jointPopulations(codes, 3, w)[26], 0.15 / 1.1, 1e-15, 'weighted ppp');
  assert.equal(populationFactor(0.2, 0.1), 2);
  assert.equal(populationFactor(0.05, 0.1), 2);
  assert.equal(populationFactor(0, 0.1), Infinity);
  assert.equal(populationFactor(0, 0), 1);
});

test('per-residue and joint metrics: exact populations, ΔF and factors; JS 0 against itself', () => {
  const ref = framesOf([
    ['bb', 600],
    ['ab', 200],
    ['ba', 150],
    ['pb', 50],
  ]);
  // The model misses "pb" and has "ab" and "ba" swapped in mass.
  const model = framesOf([
    ['bb', 600],
    ['ab', 150],
    ['ba', 250],
  ]);
  const m: MolecularMetrics = {};
  residueMetrics(m, model, ref as Angles[], noWeights, undefined, 1e-10);
  close(m['mol.residue.ALA2.population.beta.reference'], 0.75, 1e-15, 'ALA2 β ref');
  close(m['mol.residue.ALA2.population.alphaR.reference'], 0.2, 1e-15, 'ALA2 αR ref');
  close(m['mol.residue.ALA2.population.c7axAlphaL.reference'], 0.05, 1e-15, 'ALA2 C7ax/αL ref');
  close(m['mol.residue.ALA3.population.alphaR.reference'], 0.15, 1e-15, 'ALA3 αR ref');
  close(m['mol.residue.ALA2.deltaF.referenceKT'], Math.log(19), 1e-12, 'ALA2 ΔF = −ln(0.05/0.95)');
  assert.equal(m['mol.residue.ALA2.deltaF.modelRawKT'], Infinity);
  assert.equal(m['mol.residue.ALA2.population.c7axAlphaL.factorRaw'], Infinity);
  close(m['mol.residue.ALA3.population.alphaR.factorRaw'], 0.25 / 0.15, 1e-12, 'ALA3 αR factor');
  close(m['mol.joint.bb.reference'], 0.6, 1e-15, 'joint bb');
  close(m['mol.joint.pb.reference'], 0.05, 1e-15, 'joint pb');
  assert.equal(m['mol.joint.pb.raw'], 0);
  assert.equal(m['mol.joint.states'], 4);
  close(m['mol.joint.tvRaw'], 0.1, 1e-12, 'total variation');
  assert.equal(m['mol.residues.count'], 2);
  assert.equal(m['mol.residues.worst.factorRaw.c7axAlphaL'], Infinity);

  const self: MolecularMetrics = {};
  residueMetrics(self, ref, ref as Angles[], noWeights, undefined, 1e-10);
  for (const k of ['js32', 'js64']) assert.equal(self[`mol.residue.ALA3.${k}.raw`], 0, k);
  assert.equal(self['mol.joint.tvRaw'], 0);
});

test('reweighted per-residue numbers use the weights; run spreads come from the run lengths', () => {
  const ref = framesOf([
    ['b', 80],
    ['a', 20],
    ['b', 90],
    ['a', 10],
  ]);
  const model = framesOf([
    ['b', 50],
    ['a', 50],
  ]);
  // Weights 4:1 on β:αR give a reweighted αR of 0.2.
  const W = Float64Array.from({ length: 100 }, (_, i) => (i < 50 ? 4 / 250 : 1 / 250));
  const m: MolecularMetrics = {};
  residueMetrics(m, model, ref as Angles[], { haveW: true, W }, [100, 100], 1e-10);
  close(m['mol.residue.ALA2.population.alphaR.reweighted'], 0.2, 1e-12, 'reweighted αR');
  close(m['mol.residue.ALA2.population.alphaR.reference'], 0.15, 1e-15, 'reference αR');
  close(m['mol.residue.ALA2.population.alphaR.referenceRunSpreadFactor'], 2, 1e-12, 'run spread 0.2 vs 0.1');
  close(m['mol.joint.a.reweighted'], 0.2, 1e-12, 'joint a (one residue)');
  assert.ok(m['mol.residue.ALA2.js32.runVsRuns']! > 0);
  assert.ok(m['mol.residue.ALA2.js32.reweighted']! < m['mol.residue.ALA2.js32.raw']!);
});
