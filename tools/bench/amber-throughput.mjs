// Native AMBER evaluator throughput (configurations/s, energies + forces) for alanine dipeptide,
// vacuum and OBC2, batch sizes 1..4096, against OpenMM's Reference platform called from a Python
// loop on the same configurations in the same run; plus the fraction of the machine's FLOP peak.
//
//   npm run bench -- amber-throughput [--seconds 1.5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAmberForceField } from '@embedcg/forcefield-amber';
import { repoRoot, sharedDir, target, writeResults } from './lib.mjs';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1.5;
const ala = join(sharedDir, 'data', 'alanine-dipeptide');
const prmtop = join(ala, 'alanine-dipeptide-implicit.prmtop');
const inpcrd = join(ala, 'alanine-dipeptide-implicit.inpcrd');
const python = process.env.EMBEDCG_PYTHON ?? '/usr/bin/python3';
const BATCHES = [1, 16, 256, 4096];
const cores = cpus().length;

function noisy(x0, n, sigma, seed) {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const out = new Float64Array(n * x0.length);
  for (let c = 0; c < n; c++)
    for (let k = 0; k < x0.length; k++)
      out[c * x0.length + k] = x0[k] + sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Analytic flop count of one energy+force evaluation (transcendentals, sqrt and divisions count 1). */
function flopsPerConfiguration(c) {
  const n = c.nAtoms;
  const pairs = (n * (n - 1)) / 2;
  const excluded = c.skipPartner.length;
  let f = c.bondR0.length * 25 + c.angleTheta0.length * 75 + c.torsionK.length * 115;
  f += (pairs - excluded) * 36 + c.exceptionQQ.length * 32;
  if (c.gb) f += pairs * (10 + 2 * 50) + n * 40 + pairs * 32 + pairs * 22;
  return f;
}

async function nativeRate(ff, x, batch) {
  const dim = ff.dimension;
  const pool = x.length / dim;
  // warm up (JIT, worker start)
  for (let w = 0; w < 3; w++) await ff.evaluate(x.subarray(0, batch * dim), batch);
  let done = 0,
    offset = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    if (offset + batch > pool) offset = 0;
    await ff.evaluate(x.subarray(offset * dim, (offset + batch) * dim), batch);
    offset += batch;
    done += batch;
  }
  return (done / (performance.now() - t0)) * 1000;
}

function openmmRate(solvent, x) {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-bench-'));
  try {
    writeFileSync(join(dir, 'x.f64'), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    const r = spawnSync(
      python,
      [
        join(repoRoot, 'tools', 'openmm-reference', 'openmm_throughput.py'),
        '--prmtop',
        prmtop,
        '--solvent',
        solvent,
        '--positions',
        join(dir, 'x.f64'),
        '--min-seconds',
        String(SECONDS * 2),
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return { error: (r.stderr || String(r.error)).trim().split('\n').pop() };
    return JSON.parse(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
const targets = [];
const mhz =
  cpus()[0]?.speed || Number((readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/) ?? [])[1]) || 2000;
const peak = cores * (mhz / 1000) * 1e9 * 16; // AVX2: 2 FMA pipes × 4 doubles × 2 flops per cycle per core
for (const solvent of ['vacuum', 'obc2']) {
  const ff = createAmberForceField({ prmtop, coordinates: inpcrd, solvent });
  const x = noisy(ff.initialPositions, 8192, 0.01, 17);
  const omm = openmmRate(solvent, x.subarray(0, 2000 * ff.dimension));
  const flops = flopsPerConfiguration(ff.evaluator.compiled);
  if (!omm.error) {
    // same configurations, same numbers: a guard that both sides compute the same thing
    const ours = ff.evaluateSync(x.subarray(0, 8 * ff.dimension), 8).energies;
    const maxDiff = Math.max(...omm.energies.map((e, i) => Math.abs(e - ours[i])));
    if (maxDiff > 1e-4) throw new Error(`${solvent}: native and OpenMM energies differ by ${maxDiff}`);
  }
  for (const batch of BATCHES) {
    const rate = await nativeRate(ff, x, batch);
    const row = {
      solvent,
      batch,
      'native conf/s': Math.round(rate),
      'openmm conf/s': omm.error ? 'n/a' : Math.round(omm.per_second),
      ratio: omm.error ? 'n/a' : +(rate / omm.per_second).toFixed(1),
      'flops/conf': flops,
      'GFLOP/s': +((rate * flops) / 1e9).toFixed(2),
      '% peak': +((100 * rate * flops) / peak).toFixed(2),
    };
    results.push(row);
    if (!omm.error && batch >= 256)
      targets.push(target(`${solvent} batch ${batch}: native / OpenMM-from-Python throughput`, row.ratio, '>=', 10));
  }
  if (omm.error) console.error(`OpenMM not available (${omm.error}): no ratio for ${solvent}`);
  await ff.dispose();
}
console.log(
  `peak estimate: ${cores} cores × ${(mhz / 1000).toFixed(2)} GHz × 16 double flops/cycle (AVX2 FMA) = ${(peak / 1e9).toFixed(0)} GFLOP/s; flops/conf counts sqrt, division and transcendentals as 1`,
);
writeResults('amber-throughput', results, targets);
