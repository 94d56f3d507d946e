/**
 * `embedcg cvs --capture`: the text tables of what each latent coordinate captures (core's
 * latentCapture): the mutual information and circular-linear correlation of every z_k with every
 * torsion, then each state's place along every z_k.
 */
import type { LatentCapture } from '@embedcg/core/molecules';

const fixed = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/** The capture as text: `source` says where z came from ("20000 model draws, z as drawn"). */
export function formatLatentCapture(c: LatentCapture, source: string): string {
  const L = c.latentDim;
  const zs = Array.from({ length: L }, (_, k) => `z${k + 1}`);
  const torsionRows = c.torsions.map((t, j) => [
    t.kind === 'rotor' ? `${t.name} (3θ)` : t.name,
    ...zs.map((_, k) => `${fixed(c.mi[k]![j]!, 3)} [${fixed(c.circular[k]![j]!, 2)}]`),
  ]);
  const best = zs.map((z, k) => {
    const order = c.torsions.map((_, j) => j).sort((a, b) => c.mi[k]![b]! - c.mi[k]![a]!);
    return `${z}: ${order
      .slice(0, 3)
      .map((j) => `${c.torsions[j]!.name} ${fixed(c.mi[k]![j]!, 2)}`)
      .join(', ')}`;
  });
  const stateRows = c.states.map((s) => [
    s.name,
    fixed(s.fraction, 4),
    ...s.mean.map((m, k) => `${fixed(m, 2)} ± ${fixed(s.sd[k]!, 2)} (${fixed(s.cut[k]!, 3)})`),
    fixed(s.allZ, 3),
  ]);
  return [
    `latent capture of ${c.n} frames (${source}; raw, unweighted)`,
    `mutual information in nats from ${c.bins}×${c.bins} histograms (bias ≈ ${c.miBias.toFixed(4)}, at most log ${c.bins} = ${Math.log(c.bins).toFixed(2)}) [circular-linear R]`,
    table([['torsion', ...zs], ...torsionRows]),
    '',
    `most informative torsions: ${best.join('; ')}`,
    '',
    'states: fraction; per z: mean ± sd in the state (balanced accuracy of the best single cut on it); all z: quadratic logistic, two-fold',
    table([['state', 'fraction', ...zs, 'all z'], ...stateRows]),
    '',
  ].join('\n');
}
