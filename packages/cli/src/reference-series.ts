/**
 * `evaluate --reference` with compact MD series (`.csv` / `.csv.gz`, written by tools/md-series.mjs)
 * instead of trajectories: φ/ψ of every residue and the energies, one file per independent run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Topology } from '@embedcg/core';
import { backboneDihedrals, parseMdSeries, residueLabel, type ReferenceSet } from '@embedcg/core/molecules';
import { UsageError } from './errors.js';

/** Whether a --reference path names a series rather than a trajectory. */
export const isSeriesPath = (p: string) => /\.csv(\.gz)?$/i.test(p);

function readText(path: string): string {
  const bytes = readFileSync(path);
  return path.toLowerCase().endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/** The concatenated series of `paths` (skip/stride per file), checked against the topology's residues. */
export function readReferenceSeries(
  paths: string[],
  topology: Topology,
  o: { skip: number; stride: number },
): ReferenceSet & { angles: NonNullable<ReferenceSet['angles']>; energies: Float64Array } {
  const labels = backboneDihedrals(topology).residues.map((r) => residueLabel(topology, r));
  const parts: { energies: Float64Array; phi: Float64Array[]; psi: Float64Array[] }[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file`);
    let s;
    try {
      s = parseMdSeries(readText(p), p);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const got = s.residues.map((r) => r.label);
    if (got.join(',') !== labels.join(','))
      throw new UsageError(
        `${p}: a series of residues ${got.join(', ') || 'none'}, but the run's system has ${labels.join(', ') || 'none'}; the series is of another system`,
      );
    const keep: number[] = [];
    for (let f = o.skip; f < s.timePs.length; f += o.stride) keep.push(f);
    const pick = (a: Float64Array) => Float64Array.from(keep, (f) => a[f]!);
    parts.push({
      energies: pick(s.energies),
      phi: s.residues.map((r) => pick(r.phi)),
      psi: s.residues.map((r) => pick(r.psi)),
    });
  }
  const runLengths = parts.map((q) => q.energies.length);
  const n = runLengths.reduce((a, b) => a + b, 0);
  const cat = (get: (q: (typeof parts)[number]) => Float64Array) => {
    const out = new Float64Array(n);
    let at = 0;
    for (const q of parts) {
      out.set(get(q), at);
      at += get(q).length;
    }
    return out;
  };
  const angles = labels.map((_, r) => ({ phi: cat((q) => q.phi[r]!), psi: cat((q) => q.psi[r]!) }));
  return { n, energies: cat((q) => q.energies), angles, runLengths };
}
