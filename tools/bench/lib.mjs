// Shared output of every benchmark: a printed table and bench-results/NAME.json with
// {name, date, machine, results: [...], targets: [{metric, value, target, met}]}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');

/** The value after `--name` on the command line, else `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

export function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** A target row: `met` is computed from the comparison, never typed in. */
export function target(metric, value, op, bound) {
  const met =
    op === '<='
      ? value <= bound
      : op === '>='
        ? value >= bound
        : op === '<'
          ? value < bound
          : op === '>'
            ? value > bound
            : (() => {
                throw new Error(`bad op ${op}`);
              })();
  return { metric, value, target: `${op} ${bound}`, met };
}

export function printTable(rows) {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v) =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
          ? v.toExponential(3)
          : v.toFixed(4)
      : v === undefined
        ? ''
        : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => fmt(r[c]).padEnd(widths[i])).join('  '));
}

export function writeResults(name, results, targets = []) {
  const out = { name, date: new Date().toISOString(), machine: machine(), results, targets };
  const dir = join(repoRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2));
  console.log(`\n${name}: results`);
  printTable(results);
  if (targets.length) {
    console.log(`\n${name}: targets`);
    printTable(targets.map((t) => ({ ...t, met: t.met ? 'yes' : 'NO' })));
  }
  console.log(`\nwrote bench-results/${name}.json`);
  return out;
}
