// `embedcg report RUN --reference SERIES` on alanine tetrapeptide (ACE-(ALA)3-NME), end to end: one
// Ramachandran plot per residue, each caption's basin masses those that `evaluate --reference`
// computes for that residue from the samples (mol.residue.<label>.population.*), and the per-residue
// and joint-state tables.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, imageStats } from '../packages/viz/dist/test-support/fixtures.js';
import { formatNumber } from '../packages/viz/dist/summary-labels.js';
import { repoRoot, runCli } from './support.mjs';

const RESIDUES = ['ALA2', 'ALA3', 'ALA4'];
// One of the committed reference runs (about 10 000 frames, one per ps).
const SERIES = join(repoRoot, 'examples/alanine-tetrapeptide/reference/seed2.csv.gz');

let runDir, html, evaluated;
let cleanup = () => {};
after(() => cleanup());

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-report-residues-'));
  cleanup = () => rmSync(dir, { recursive: true, force: true });
  runDir = join(dir, 'run');
  const config = join(repoRoot, 'examples/alanine-tetrapeptide-flow.json');
  const small = [
    '--set',
    'training.batchSize=16',
    '--set',
    'evaluation.samples=400',
    '--set',
    'evaluation.batchSize=400',
    '--set',
    'training.workers=1',
  ];
  const t = runCli(['train', config, '--out', runDir, '--no-progress', '--max-steps', '1', ...small]);
  assert.equal(t.code, 0, t.stderr);
  const r = runCli(['report', runDir, '--reference', SERIES], { timeout: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  html = readFileSync(join(runDir, 'report', 'index.html'), 'utf8');
  const e = runCli(['evaluate', runDir, '--json', '--reference', SERIES], { timeout: 300_000 });
  assert.equal(e.code, 0, e.stderr);
  evaluated = JSON.parse(e.stdout);
});

const unescape = (s) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The figure of plot `id`: its image and its caption as text. */
function figure(id) {
  const m = new RegExp(`<figure id="plot-${id}"><img class="plot" [^>]*><figcaption>([^<]*)</figcaption>`).exec(html);
  assert.ok(m, `figure ${id}`);
  return unescape(m[1]);
}

test('report of a tetrapeptide: one Ramachandran plot per residue, titled with it, and no dipeptide plot', () => {
  for (const res of RESIDUES) {
    const id = `ramachandran-${res.toLowerCase()}`;
    assert.ok(figure(id).startsWith(`ALA ${res.slice(3)}: φ/ψ. Free energy −ln p(φ, ψ)`), figure(id));
    const png = decodePng(readFileSync(join(runDir, 'report', `${id}.png`)));
    // Three 260-px panels (model raw, reweighted, reference) at twice the SVG size.
    assert.ok(png.width > 2 * 3 * 260, `${id}.png is ${png.width} px wide`);
    assert.ok(imageStats(png).variance > 100, `${id}.png is blank`);
  }
  assert.ok(!existsSync(join(runDir, 'report', 'ramachandran.png')));
  assert.equal((html.match(/<figure id="plot-ramachandran/g) ?? []).length, 3);
  assert.match(html, /<figcaption>Free energy along φ of ALA 2\./);
});

test("each residue's caption: the masses of its plotted samples are evaluate's populations of that residue", () => {
  const shown = JSON.parse(/<script type="application\/json" id="embedcg-metrics">([\s\S]*?)<\/script>/.exec(html)[1]);
  const triple = (k, v) =>
    ['beta', 'alphaR', 'c7axAlphaL'].map((s) => formatNumber(100 * evaluated[`${k}.population.${s}.${v}`])).join(' / ');
  const distinct = new Set();
  for (const res of RESIDUES) {
    const k = `mol.residue.${res}`;
    const caption = figure(`ramachandran-${res.toLowerCase()}`);
    assert.ok(caption.includes(`model raw ${triple(k, 'raw')} %`), `${res}: ${caption}`);
    assert.ok(caption.includes(`model reweighted ${triple(k, 'reweighted')} %`), `${res}: ${caption}`);
    assert.ok(caption.includes(`reference ${triple(k, 'reference')} %`), `${res}: ${caption}`);
    const js = `${formatNumber(evaluated[`${k}.js32.reweighted`])} nats reweighted, ${formatNumber(evaluated[`${k}.js32.raw`])} raw`;
    assert.ok(caption.includes(js), `${res}: ${caption}`);
    distinct.add(triple(k, 'reference'));
    // The page's numbers are evaluate's: same draw, same seed, same reference.
    for (const key of Object.keys(evaluated).filter((x) => x.startsWith(`${k}.`)))
      assert.equal(shown[key], evaluated[key], key);
  }
  assert.equal(distinct.size, 3, 'the residues differ, so a plot of the wrong residue would show');
});

test('the reference section lists every residue and the joint backbone states evaluate found', () => {
  const table = (id) => new RegExp(`<table class="metrics" id="${id}">[\\s\\S]*?</table>`).exec(html)?.[0];
  const residues = table('reference-residues');
  assert.ok(residues, 'per-residue table');
  for (const res of RESIDUES) assert.match(residues, new RegExp(`<th scope="row">ALA ${res.slice(3)}</th>`));
  const joint = table('reference-joint-states');
  assert.ok(joint, 'joint-state table');
  const rows = [...joint.matchAll(/<tr><th scope="row">([bap]{3}) /g)].map((m) => m[1]);
  assert.equal(rows.length, evaluated['mol.joint.states']);
  const byReference = [...rows].sort(
    (a, b) => evaluated[`mol.joint.${b}.reference`] - evaluated[`mol.joint.${a}.reference`],
  );
  assert.deepEqual(rows, byReference);
  assert.equal(rows[0], 'bbb', 'the reference spends most of its time with every residue in β');
});
