import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceSection } from './reference-table.js';
import { residueLabels } from './residue-tables.js';
import type { RunMetrics } from './types.js';

/** The rows of the table with this id: header cell and data cells, as text. */
function rows(html: string, id: string): string[][] {
  const t = new RegExp(`<table class="metrics" id="${id}">([\\s\\S]*?)</table>`).exec(html);
  assert.ok(t, `table ${id}`);
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(t[1]!)![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!),
  );
}

const BASE: RunMetrics = {
  'mol.reference.frames': 1000,
  'mol.population.beta.reference': 0.77,
  'mol.population.beta.raw': 0.8,
  'mol.ramachandran.jsRaw': 0.1,
};

function tetrapeptide(): RunMetrics {
  const m: RunMetrics = { ...BASE };
  const res: Array<[string, number, number, number]> = [
    ['ALA2', 0.0761, 0.761, 0.0143],
    ['ALA3', 0.0623, 0.817, 0.0066],
    ['ALA4', 0.0662, 0.851, 0.0022],
  ];
  for (const [label, js, beta, c7] of res) {
    const k = `mol.residue.${label}`;
    m[`${k}.js32.raw`] = 2 * js;
    m[`${k}.js32.reweighted`] = js;
    m[`${k}.js32.noiseFloor`] = 0.013;
    m[`${k}.js32.runVsRuns`] = 0.017;
    m[`${k}.population.beta.reference`] = beta;
    m[`${k}.population.beta.reweighted`] = beta / 1.07;
    m[`${k}.population.beta.raw`] = beta / 1.2;
    m[`${k}.population.alphaR.reference`] = 1 - beta - c7;
    m[`${k}.population.alphaR.reweighted`] = 0.2;
    m[`${k}.population.c7axAlphaL.reference`] = c7;
    m[`${k}.population.c7axAlphaL.reweighted`] = 0.0004;
  }
  // As evaluate lists them: in code order, not by mass.
  for (const [s, ref, rw, raw] of [
    ['bbb', 0.555, 0.6, 0.7],
    ['bba', 0.07, 0.035, 0.05],
    ['abb', 0.152, 0.16, 0.1],
    ['pbb', 0.0086, 0, 0.001],
  ] as const) {
    m[`mol.joint.${s}.reference`] = ref;
    m[`mol.joint.${s}.reweighted`] = rw;
    m[`mol.joint.${s}.raw`] = raw;
  }
  m['mol.joint.states'] = 4;
  m['mol.joint.tvRaw'] = 0.123;
  m['mol.joint.tvReweighted'] = 0.092;
  return m;
}

test('a tetrapeptide reference section: a row per residue with its JS(32²) and populations against the reference', () => {
  const html = referenceSection(tetrapeptide());
  assert.deepEqual(residueLabels(tetrapeptide()), ['ALA2', 'ALA3', 'ALA4']);
  assert.deepEqual(rows(html, 'reference-residues'), [
    ['ALA 2', '0.152', '0.0761', '0.013 / 0.017', '63.4 / 71.1 / 76.1 %', '— / 20 / 22.5 %', '— / 0.04 / 1.43 %'],
    ['ALA 3', '0.125', '0.0623', '0.013 / 0.017', '68.1 / 76.4 / 81.7 %', '— / 20 / 17.6 %', '— / 0.04 / 0.66 %'],
    ['ALA 4', '0.132', '0.0662', '0.013 / 0.017', '70.9 / 79.5 / 85.1 %', '— / 20 / 14.7 %', '— / 0.04 / 0.22 %'],
  ]);
  // The dipeptide's tables stay, named as the first residue's.
  assert.match(html, /<h3>State populations of ALA 2<\/h3>/);
  assert.match(html, /Ramachandran Jensen–Shannon of ALA 2/);
});

test('the joint states: most populated in the reference first, model reweighted and raw, the factor off', () => {
  const html = referenceSection(tetrapeptide());
  assert.deepEqual(rows(html, 'reference-joint-states'), [
    ['bbb (β β β)', '55.5 %', '60 %', '70 %', '1.08×'],
    ['abb (αR β β)', '15.2 %', '16 %', '10 %', '1.05×'],
    ['bba (β β αR)', '7 %', '3.5 %', '5 %', '2×'],
    ['pbb (φ&gt;0 β β)', '0.86 %', '0 %', '0.1 %', '∞×'],
  ]);
  assert.match(html, /Total variation distance over all 27 states: 0\.123 raw, 0\.092 reweighted\./);
});

test('a dipeptide reference section is as before: no residue or joint-state tables, no residue names', () => {
  const html = referenceSection(BASE);
  assert.ok(!html.includes('reference-residues') && !html.includes('reference-joint-states'));
  assert.match(html, /<h3>State populations<\/h3>/);
  assert.match(html, /<th scope="row">Ramachandran Jensen–Shannon<\/th>/);
  assert.equal(referenceSection({}), '');
});
