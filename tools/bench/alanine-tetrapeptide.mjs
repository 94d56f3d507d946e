// Alanine tetrapeptide (ACE-(ALA)3-NME, ff96 + OBC2, 330 K) with the example's slow-fast flow
// (issue 26): per seed, `embedcg train examples/alanine-tetrapeptide-flow.json`, then
// `embedcg evaluate --reference` on N samples against the committed MD series
// (examples/alanine-tetrapeptide/reference/seed*.csv.gz, first 100 ps of each dropped), with the
// reference's own run-to-run spread beside every number.
//   npm run bench -- alanine-tetrapeptide [--seeds 1,2,3] [--samples 100000] [--eval-only] [--max-steps N] [--set key=value …]
// Targets (issue 26): every residue's reweighted JS(32²) ≤ 0.02 nats; its β, αR and C7ax/αL present,
// within ×1.5 of the reference for basins holding ≥ 1 % of its mass and ×3 for rarer ones; ESS ≥ 5 %
// (aim 10 %); k̂ ≤ 0.7; ≤ 5e6 training energy evaluations; ≤ 2 h of training.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, target, writeResults } from './lib.mjs';
import { arg } from './alanine-lib.mjs';

const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const nSamples = Number(arg('samples', 100_000));
const evalOnly = process.argv.includes('--eval-only');
const maxSteps = arg('max-steps', undefined);
const sets = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--set' ? ['--set', a] : []));
const refDir = join(repoRoot, 'examples/alanine-tetrapeptide/reference');
const reference = readdirSync(refDir)
  .filter((f) => f.endsWith('.csv.gz'))
  .map((f) => join(refDir, f));
const RESIDUES = ['ALA2', 'ALA3', 'ALA4'];
const BASINS = ['beta', 'alphaR', 'c7axAlphaL'];

function cli(args) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'packages/cli/dist/bin.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`embedcg ${args.join(' ')} failed with exit code ${r.status}`);
  return r.stdout;
}

/** Train (unless --eval-only) and evaluate one seed; the training cost from its history. */
function runSeed(seed) {
  const runDir = join(repoRoot, 'runs', `alanine-tetrapeptide-s${seed}`);
  if (!evalOnly) {
    const resume = existsSync(join(runDir, 'checkpoint')) ? ['--resume'] : ['--force'];
    cli(
      ['train', 'examples/alanine-tetrapeptide-flow.json', '--out', runDir, ...resume, '--no-progress'].concat(
        ['--set', `seed=${seed}`, ...sets],
        maxSteps ? ['--max-steps', maxSteps] : [],
      ),
    );
  }
  const m = JSON.parse(
    cli(['evaluate', runDir, '--json', '-n', String(nSamples), '--reference', ...reference, '--skip', '100']),
  );
  const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
  const last = history.filter((h) => h.type === 'step').at(-1) ?? {};
  return { seed, m, evaluations: last.energyEvaluations, seconds: last.wallSeconds };
}

const results = [];
const targets = [];
for (const seed of seeds) {
  const { m, evaluations, seconds } = runSeed(seed);
  const g = (k) => m[`mol.${k}`];
  results.push({
    what: `seed ${seed}`,
    ESS: g('ess'),
    // k̂ > 0.5: one draw's Kish ESS is set by its largest weight; the smoothed one is stable.
    'ESS PSIS': m.essSmoothed,
    khat: g('khat'),
    'train evals': evaluations,
    'train s': seconds,
  });
  for (const r of RESIDUES) {
    const k = (x) => g(`residue.${r}.${x}`);
    results.push({
      what: `seed ${seed} ${r}`,
      'JS32 rw': k('js32.reweighted'),
      'JS32 run1 vs rest': k('js32.runVsRuns'),
      'JS64 rw': k('js64.reweighted'),
      ...Object.fromEntries(
        BASINS.flatMap((b) => [
          [`${b} rw`, k(`population.${b}.reweighted`)],
          [`${b} ref`, k(`population.${b}.reference`)],
          [`${b} ref spread ×`, k(`population.${b}.referenceRunSpreadFactor`)],
        ]),
      ),
      'ΔF err rw kT': k('deltaF.errorReweightedKT'),
      'ΔF ref spread kT': k('deltaF.referenceRunSpreadKT'),
    });
    targets.push(target(`seed ${seed} ${r} JS(32²) reweighted (nats)`, k('js32.reweighted'), '<=', 0.02));
    for (const b of BASINS) {
      const ref = k(`population.${b}.reference`);
      targets.push(target(`seed ${seed} ${r} ${b} present (reweighted)`, k(`population.${b}.reweighted`), '>', 0));
      targets.push(
        target(
          `seed ${seed} ${r} ${b} factor to reference`,
          k(`population.${b}.factorReweighted`),
          '<=',
          ref >= 0.01 ? 1.5 : 3,
        ),
      );
    }
  }
  results.push({
    what: `seed ${seed} joint`,
    states: g('joint.states'),
    'TV rw': g('joint.tvReweighted'),
    'worst factor ≥1%': g('joint.worstFactorReweighted'),
  });
  targets.push(target(`seed ${seed} ESS (gate 5 %, aim 10 %)`, g('ess'), '>=', 0.05));
  targets.push(target(`seed ${seed} k̂`, g('khat'), '<=', 0.7));
  targets.push(target(`seed ${seed} training energy evaluations`, evaluations, '<=', 5e6));
  targets.push(target(`seed ${seed} training wall time (s)`, seconds, '<=', 7200));
}
writeResults('alanine-tetrapeptide', results, targets);
