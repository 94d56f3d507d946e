// The frame of a 2-D report: the force field's reference basins stay in the picture even when the
// model misses them (Müller–Brown's top well), and `--range` sets it.
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import { assertCleanError, runCli, tinyDoubleWellConfig } from './support.mjs';
import { createMullerBrown, mullerBrownMinima } from '@embedcg/forcefield-analytic';
import { parseRange, plotFrame } from '../packages/cli/dist/report-frame.js';
import { UsageError } from '../packages/cli/dist/errors.js';

/** n samples in a tight Gaussian around (x, y): a model that found one well only. */
function oneWell(x, y, n = 2000) {
  const rng = createRng(3);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = x + 0.05 * rng.normal();
    out[2 * i + 1] = y + 0.05 * rng.normal();
  }
  return out;
}

const inside = (f, p) => p.x > f.xRange[0] && p.x < f.xRange[1] && p.y > f.yRange[0] && p.y < f.yRange[1];

test('plotFrame: every Müller–Brown minimum is in the picture though the model sampled only one well', () => {
  const ff = createMullerBrown();
  const minima = mullerBrownMinima();
  const lowest = [...minima].sort((a, b) => a.energy - b.energy)[0];
  const samples = oneWell(lowest.x, lowest.y);
  // Framed by the samples alone (the force field without its reference), the other wells fall outside.
  const { reference: _, ...bare } = ff;
  const own = plotFrame({ ...bare, evaluate: ff.evaluate }, 1, samples);
  assert.ok(
    minima.some((m) => !inside(own, m)),
    `a samples-only frame ${JSON.stringify(own)} would hold every well`,
  );
  const f = plotFrame(ff, 1, samples);
  for (const m of minima) assert.ok(inside(f, m), `minimum ${m.name} (${m.x}, ${m.y}) outside ${JSON.stringify(f)}`);
  // The model's own samples stay inside too.
  assert.ok(inside(f, { x: lowest.x, y: lowest.y }));
});

test('plotFrame without an exact reference: the samples’ bulk, padded', () => {
  const ff = {
    name: 'plain',
    dimension: 2,
    evaluate: () => ({ energies: new Float64Array(1), forces: new Float64Array(0) }),
  };
  const f = plotFrame(ff, 1, oneWell(5, -5));
  assert.ok(inside(f, { x: 5, y: -5 }) && f.xRange[1] - f.xRange[0] < 1, JSON.stringify(f));
});

test('parseRange: four numbers in order, else a usage error naming the flag', () => {
  assert.deepEqual(parseRange('-2,2,-1.5,1.5'), { xRange: [-2, 2], yRange: [-1.5, 1.5] });
  assert.throws(
    () => parseRange('0,1,1,0'),
    (e) => e instanceof UsageError && /y0 < y1/.test(e.message),
  );
  assert.throws(() => parseRange('0,1,2'), /--range takes four numbers/);
  assert.throws(() => parseRange('0,1,,2'), /--range takes four numbers/);
  assert.throws(() => parseRange('0,1,2,Infinity'), /--range takes four numbers/);
});

test('report --reference on a force field without atoms is a usage error before any sample is drawn', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-report-frame-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'dw.json');
  writeFileSync(cfg, JSON.stringify(tinyDoubleWellConfig()));
  const tr = runCli(['train', cfg, '--out', join(dir, 'run')]);
  assert.equal(tr.code, 0, tr.stderr);
  writeFileSync(join(dir, 'ref.dcd'), '');
  const r = runCli(['report', join(dir, 'run'), '--reference', join(dir, 'ref.dcd')]);
  assert.match(assertCleanError(r), /--reference: force field "double-well" has no atoms/);
  // A valid --range is accepted and the 2-D report written.
  const ok = runCli(['report', join(dir, 'run'), '--range=-2.5,2.5,-2,2']);
  assert.equal(ok.code, 0, ok.stderr);
});
