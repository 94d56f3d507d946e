import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { writeReport, buildReport } from './report.js';
import {
  decodePng,
  hasPngSignature,
  imageStats,
  makeAlanineRun,
  makeDoubleWellRun,
  tmpDir,
} from './test-support/fixtures.js';

const EVIL = '<script>alert(1)</script>';

test('writeReport of a 2-D run: PNGs on disk, inlined in the page, no viewer, names escaped', async () => {
  const dir = tmpDir();
  const data = makeDoubleWellRun(dir, `dw ${EVIL}`);
  const r = await writeReport(dir, data);
  assert.deepEqual(r.warnings, []);
  const names = r.files.map((f) => basename(f)).sort();
  assert.deepEqual(names, [
    'energy-histogram.png',
    'index.html',
    'marginal-x.png',
    'marginal-y.png',
    'potential.png',
    'training-curves.png',
  ]);
  for (const f of r.files.filter((f) => f.endsWith('.png'))) {
    const png = readFileSync(f);
    assert.ok(hasPngSignature(png), f);
    assert.ok(imageStats(decodePng(png)).variance > 100, `${f} is blank`);
  }
  const html = readFileSync(r.index, 'utf8');
  assert.equal(html, r.html);
  assert.equal((html.match(/<img class="plot" src="data:image\/png;base64,/g) ?? []).length, 5);
  assert.ok(!html.includes(EVIL), 'raw <script> from the config must not reach the page');
  assert.ok(html.includes('dw &lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!html.includes('$3Dmol'), 'no 3-D viewer for a 2-D system');
  // One script element: the metrics as inert JSON data (no executable script for a 2-D run).
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.equal((html.match(/<script type="application\/json" id="embedcg-metrics">/g) ?? []).length, 1);
  // Self-contained: nothing is loaded from a URL.
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html));
  // Plain labels, not metrics.json keys.
  for (const label of ['Reverse KL(q ‖ p)', 'log Z, exact', 'Minor basin mass, raw', 'Note'])
    assert.ok(html.includes(`<th scope="row">${label}</th>`), label);
  for (const key of ['kl', 'logZExact', 'minorModeMass']) assert.ok(!html.includes(`<th scope="row">${key}</th>`), key);
  assert.ok(html.includes('&quot;training&quot;: {'), 'config shown, pretty-printed');
});

test('buildReport of a molecule: viewer with 3Dmol inlined and frames that cannot break out of their <script>', async () => {
  const dir = tmpDir();
  const data = makeAlanineRun(dir, 'ala');
  const atoms = data.topology!.atoms.map((a, i) =>
    i === 0 ? { ...a, name: `H</script><script>alert(2)</script>` } : a,
  );
  const r = await buildReport({
    ...data,
    topology: { ...data.topology!, atoms },
    run: { config: { name: 'ala' }, metrics: {}, history: [] },
    outDir: `${dir}/report`,
    maxFrames: 12,
  });
  assert.deepEqual(r.warnings, []);
  assert.ok(r.files.some((f) => f.endsWith('frames.pdb')) && existsSync(`${dir}/report/frames.pdb`));
  assert.ok(r.files.some((f) => f.endsWith('ramachandran.png')));
  assert.ok(
    r.files.some((f) => f.endsWith('latent-space.png')),
    'latent plot with states from the dihedrals',
  );
  // Exactly our four script elements: metrics JSON, frames JSON, 3Dmol.js, viewer code.
  assert.equal((r.html.match(/<script\b/gi) ?? []).length, 4);
  assert.equal((r.html.match(/<\/script>/gi) ?? []).length, 4);
  const json = /<script type="application\/json" id="embedcg-frames">([\s\S]*?)<\/script>/.exec(r.html)![1]!;
  const frames = JSON.parse(json) as { names: string[]; coordinates: number[][] };
  assert.equal(frames.names[0], 'H</script><script>alert(2)</script>');
  assert.equal(frames.coordinates.length, 12);
  assert.ok(r.html.length > 500_000, '3Dmol.js is inlined');
});

test('a plot that cannot be drawn becomes a visible warning, not a crash', async () => {
  const r = await buildReport({ decoded: { z: [1, 2, 3], phi: [1], psi: [1, 2, 3] } });
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /Decoded CVs: decodedGrid: 1-D line: phi has 1 values, expected 3/);
  assert.ok(r.html.includes('class="warning"'));
});
