// `embedcg report RUN --reference ref.dcd` on alanine dipeptide, end to end: the report draws
// evaluate's samples (its count and seed), puts the reference beside the model, and carries the
// population and ΔF table exactly as `evaluate --reference` computes it; the page works in Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { browserSkipReason, CHROMIUM, CHROMIUM_ARGS } from '../packages/viz/dist/test-support/fixtures.js';
import { assertCleanError, repoRoot, runCli } from './support.mjs';

const ala = join(process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared'), 'data', 'alanine-dipeptide');

/** A tiny alanine VAE on the shared AMBER files (read in place, never copied). */
function tinyAlanineConfig() {
  return {
    name: 'ala-report',
    seed: 4,
    forceField: {
      package: '@embedcg/forcefield-amber',
      name: 'amber',
      options: {
        prmtop: join(ala, 'alanine-dipeptide-implicit.prmtop'),
        coordinates: join(ala, 'alanine-dipeptide-implicit.inpcrd'),
        solvent: 'obc2',
      },
    },
    transform: { package: '@embedcg/core', name: 'internal-coordinates' },
    model: {
      package: '@embedcg/model-vae',
      name: 'vae',
      options: {
        latentDim: 2,
        decoderHidden: [16],
        encoderHidden: [16],
        encoderActivations: ['tanh'],
        outputScale: 0.05,
      },
    },
    target: { temperature: 330 },
    schedule: { package: '@embedcg/core', name: 'kl-increase', options: { samples: 64 } },
    training: { batchSize: 32, initialSteps: 2, stepsPerLevel: 1, finalSteps: 1, historyEvery: 1, backend: 'wasm' },
    evaluation: { samples: 200, batchSize: 200 },
  };
}

let runDir, refDcd, html;
let cleanup = () => {};
after(() => cleanup());

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-report-ref-'));
  cleanup = () => rmSync(dir, { recursive: true, force: true });
  const cfg = join(dir, 'ala.json');
  writeFileSync(cfg, JSON.stringify(tinyAlanineConfig(), null, 2));
  runDir = join(dir, 'run');
  const t = runCli(['train', cfg, '--out', runDir, '--max-steps', '3'], { timeout: 300_000 });
  assert.equal(t.code, 0, t.stderr);
  // The reference: 300 frames drawn from the model itself, with the PDB beside the DCD (atom order).
  refDcd = join(dir, 'ref.dcd');
  const s = runCli(['sample', runDir, '-n', '300', '--out', refDcd, '--seed', '9']);
  assert.equal(s.code, 0, s.stderr);
  const r = runCli(['report', runDir, '--reference', refDcd], { timeout: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  html = readFileSync(join(runDir, 'report', 'index.html'), 'utf8');
});

const pageMetrics = () =>
  JSON.parse(/<script type="application\/json" id="embedcg-metrics">([\s\S]*?)<\/script>/.exec(html)[1]);

test('report --reference: the numbers are evaluate --reference’s, drawn from evaluation.samples with its seed', () => {
  const e = runCli(['evaluate', runDir, '--json', '--reference', refDcd], { timeout: 300_000 });
  assert.equal(e.code, 0, e.stderr);
  const evaluated = JSON.parse(e.stdout);
  const shown = pageMetrics();
  assert.equal(shown.samples, 200, 'default -n is the config’s evaluation.samples');
  assert.equal(shown['mol.reference.frames'], 300);
  // A stopped run has no metrics.json: the report's own draw is not shown as the run's cost.
  assert.equal(shown.energyEvaluations, undefined);
  assert.ok(shown.wallSeconds > 0, 'training time from the checkpoint');
  const keys = Object.keys(evaluated).filter((k) =>
    /^(mol\.(population|deltaF|ramachandran)|ess$|khat$|logZ$)/.test(k),
  );
  assert.ok(keys.length > 20, `compared keys: ${keys.length}`);
  for (const k of keys) assert.equal(shown[k], evaluated[k], k);
});

test('report --reference: Ramachandran panels side by side, overlaid profiles, the population and ΔF tables', () => {
  assert.match(
    html,
    /Ramachandran plot: the model beside the reference\. [^<]*model, raw \| model, reweighted \| reference/,
  );
  assert.match(html, /Free energy along φ\. [^<]*model, raw, model, reweighted, reference overlaid/);
  assert.match(html, /<table class="metrics" id="reference-populations">/);
  assert.match(html, /<table class="metrics" id="reference-delta-f">/);
  // Plain labels in the summary, not metrics.json keys.
  assert.match(html, /<th scope="row">k̂<\/th><td class="num">[\d.]+<\/td><td class="meaning">importance weights/);
  for (const key of ['nonFiniteEnergyFraction', 'densityIsExact', 'khat'])
    assert.ok(!html.includes(`<th scope="row">${key}</th>`), key);
});

const skip = browserSkipReason();
test('report --reference in Chromium: every image loads, the reference tables show, no errors', { skip }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(pathToFileURL(join(runDir, 'report', 'index.html')).href, { waitUntil: 'load' });
    const rama = await page.$eval('#plot-ramachandran img', (i) => ({ w: i.naturalWidth, ok: i.complete }));
    // Three 260-px panels at twice the SVG size: wider than two panels could be.
    assert.ok(rama.ok && rama.w > 2 * 3 * 260, `Ramachandran image ${rama.w} px wide`);
    const images = await page.$$eval('img.plot', (imgs) => imgs.map((i) => i.complete && i.naturalWidth > 100));
    assert.ok(images.length >= 5 && images.every(Boolean), JSON.stringify(images));
    assert.ok(await page.isVisible('#reference-populations'));
    assert.ok(await page.isVisible('#reference-delta-f'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('report: bad -n and --range are usage errors (exit 2) before any work', () => {
  assert.match(assertCleanError(runCli(['report', 'no-such-run', '-n', '5'])), /-n must be an integer ≥ 10, got 5/);
  assert.match(
    assertCleanError(runCli(['report', 'no-such-run', '--range=1,0,0,1'])),
    /--range 1,0,0,1: needs x0 < x1 and y0 < y1/,
  );
  assert.match(
    assertCleanError(runCli(['report', 'no-such-run', '--range=a,b'])),
    /--range takes four numbers x0,x1,y0,y1/,
  );
  assert.match(assertCleanError(runCli(['report', 'no-such-run', '--range=1,2,3,nan'])), /--range takes four numbers/);
});
