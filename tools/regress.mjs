#!/usr/bin/env node
// Records what a refactor must not change, and compares two recordings.
//
//   node tools/regress.mjs record OUT [--steps 200] [--only NAME,...] [--set key.path=value]...
//   node tools/regress.mjs compare A B
//
// `record` trains the main job (examples/double-well.json) in full and every other example for
// --steps steps, then evaluates each run. Per run it keeps metrics (evaluate --json), history.jsonl
// and a hash of every checkpoint file, all without timing fields. `compare` prints, per run, whether
// the two recordings are bit-identical, and the largest relative difference where they are not.
// `--set` (repeatable) passes a config override to every training, e.g. `--set training.fusedKernels=false`
// to record the unfused path.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const TIMING = new Set(['ms', 'wallSeconds', 'trainingSeconds', 'seconds']);

function stripTiming(v) {
  if (Array.isArray(v)) return v.map(stripTiming);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !TIMING.has(k))
        .map(([k, x]) => [k, stripTiming(x)]),
    );
  }
  return v;
}

function cli(args) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`embedcg ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function hashCheckpoint(runDir) {
  const dir = join(runDir, 'checkpoint');
  const out = {};
  for (const f of readdirSync(dir).sort()) {
    const buf = readFileSync(join(dir, f));
    // state.json holds the wall clock; hash it without timing fields.
    const body = f === 'state.json' ? JSON.stringify(stripTiming(JSON.parse(buf.toString('utf8')))) : buf;
    out[f] = createHash('sha256').update(body).digest('hex').slice(0, 16);
  }
  return out;
}

function recordRun(name, config, steps, outDir, sets) {
  const runDir = join(outDir, 'runs', name);
  const t0 = Date.now();
  cli([
    'train',
    config,
    '--out',
    runDir,
    '--force',
    '--no-progress',
    ...(steps ? ['--max-steps', String(steps)] : []),
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  const metrics = JSON.parse(cli(['evaluate', runDir, '--json', ...(steps ? ['-n', '2000'] : [])]));
  const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => stripTiming(JSON.parse(l)));
  const trainMetrics = existsSync(join(runDir, 'metrics.json'))
    ? stripTiming(JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')))
    : null;
  console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return {
    config,
    steps: steps ?? 'full',
    metrics: stripTiming(metrics),
    trainMetrics,
    history,
    checkpoint: hashCheckpoint(runDir),
  };
}

function record(outDir, steps, only, sets) {
  mkdirSync(outDir, { recursive: true });
  const examples = readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const f of examples) {
    const name = f.slice(0, -5);
    if (only && !only.includes(name)) continue;
    const full = name === 'double-well';
    const rec = recordRun(name, join('examples', f), full ? undefined : steps, outDir, sets);
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(rec, null, 1));
  }
}

/** Largest relative difference between two JSON values, or Infinity where their shapes differ. */
function maxRelDiff(a, b, path = '', worst = { rel: 0, path: '' }) {
  if (typeof a === 'number' && typeof b === 'number') {
    const rel = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
    if (rel > worst.rel) Object.assign(worst, { rel, path });
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in a) || !(k in b)) Object.assign(worst, { rel: Infinity, path: `${path}/${k} (missing on one side)` });
      else maxRelDiff(a[k], b[k], `${path}/${k}`, worst);
    }
  } else if (a !== b) Object.assign(worst, { rel: Infinity, path });
  return worst;
}

function compare(a, b) {
  let allSame = true;
  for (const f of readdirSync(a)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    if (!existsSync(join(b, f))) {
      console.log(`${f}: missing in ${b}`);
      allSame = false;
      continue;
    }
    const ra = JSON.parse(readFileSync(join(a, f), 'utf8'));
    const rb = JSON.parse(readFileSync(join(b, f), 'utf8'));
    const ckDiff = Object.keys({ ...ra.checkpoint, ...rb.checkpoint }).filter(
      (k) => ra.checkpoint[k] !== rb.checkpoint[k],
    );
    const ckSame = ckDiff.length === 0;
    const parts = ['metrics', 'trainMetrics', 'history'].map((k) => [k, maxRelDiff(ra[k], rb[k])]);
    const same = ckSame && parts.every(([, w]) => w.rel === 0);
    allSame &&= same;
    const detail = parts
      .filter(([, w]) => w.rel > 0)
      .map(([k, w]) => `${k} max rel ${w.rel.toExponential(2)} at ${w.path}`);
    console.log(
      `${f.padEnd(40)} ${same ? 'bit-identical' : `DIFFERS: checkpoint ${ckSame ? 'same' : `differs in ${ckDiff.join(', ')}`}; ${detail.join('; ')}`}`,
    );
  }
  process.exit(allSame ? 0 : 1);
}

const [cmd, ...rest] = process.argv.slice(2);
const flag = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const sets = rest.flatMap((a, i) => (rest[i - 1] === '--set' ? [a] : []));
if (cmd === 'record' && rest[0]) record(rest[0], Number(flag('--steps') ?? 200), flag('--only')?.split(','), sets);
else if (cmd === 'compare' && rest[1]) compare(rest[0], rest[1]);
else {
  console.error(
    'usage: node tools/regress.mjs record OUT [--steps 200] [--only NAME,...] [--set key=value]... | compare A B',
  );
  process.exit(2);
}
