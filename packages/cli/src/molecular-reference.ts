/**
 * Molecular metrics against reference trajectories: shared by `evaluate --reference` and
 * `report --reference`, so the report's population and ΔF table is the one evaluate prints.
 */
import { targetBeta, type OpenedRun, type SampleSet } from '@embedcg/core';
import { molecularMetrics, type ReferenceSet } from '@embedcg/core/molecules';
import { log } from './context.js';
import { UsageError } from './errors.js';
import { latentOf, readTrajectories, type LoadedFrames } from './commands/cvs.js';
import { isSeriesPath, readReferenceSeries } from './reference-series.js';
import { applyChirality, type ChiralityMode } from './chirality.js';

/** How the reference files are read and the samples filtered. */
export interface ReferenceReading {
  skip: number;
  stride: number;
  chirality: ChiralityMode;
}

/** The reference read, and the `mol.*` metrics of `samples` against them. */
export interface MolecularReference {
  /** The reference frames, when the reference is trajectories (a series has no coordinates). */
  frames?: LoadedFrames;
  /** φ/ψ of every residue with both (chain order), radians, when the reference is a series. */
  seriesAngles?: ReferenceSet['angles'];
  metrics: Record<string, number>;
}

/** Reference frames from trajectories, their energies (uncounted: they are the reference's cost,
 * not the model's) and the model's latent CVs of them. */
async function trajectoryReference(run: OpenedRun, ref: LoadedFrames): Promise<ReferenceSet> {
  const p = run.plugins;
  const ff = p.forceField;
  const energies = new Float64Array(ref.n);
  const D = ff.dimension;
  for (let s = 0; s < ref.n; s += 5000) {
    const b = Math.min(5000, ref.n - s);
    energies.set((await ff.inner.evaluate(ref.x.subarray(s * D, (s + b) * D), b, { energiesOnly: true })).energies, s);
  }
  const latent =
    p.model.encode && p.model.latentDimension ? latentOf(p.model, p.transform, ref.x, ref.n, D) : undefined;
  return { x: ref.x, n: ref.n, energies, runLengths: ref.runLengths, latent, latentDim: p.model.latentDimension };
}

/**
 * Read `paths` (trajectories, or compact MD series `.csv`/`.csv.gz`) for the run's molecule and
 * compute the molecular metrics of `samples` against them.
 */
export async function molecularReference(
  run: OpenedRun,
  samples: SampleSet,
  paths: string[],
  o: ReferenceReading,
): Promise<MolecularReference> {
  const p = run.plugins;
  const ff = p.forceField;
  if (!ff.topology)
    throw new UsageError(
      `--reference: force field "${ff.name}" has no atoms; molecular metrics need a molecular system`,
    );
  const series = paths.filter(isSeriesPath);
  if (series.length && series.length !== paths.length)
    throw new UsageError('--reference: give trajectories (.dcd/.pdb) or MD series (.csv/.csv.gz), not both');
  const frames = series.length ? undefined : readTrajectories(paths, ff, { skip: o.skip, stride: o.stride });
  const reference = frames
    ? await trajectoryReference(run, frames)
    : readReferenceSeries(series, ff.topology, { skip: o.skip, stride: o.stride });
  log(`molecular metrics against ${reference.n} reference frames from ${paths.length} file(s)`);
  const filtered = o.chirality === 'filter' ? applyChirality('filter', samples, ff) : undefined;
  const s = filtered?.samples ?? samples;
  let metrics: Record<string, number> = molecularMetrics({
    topology: ff.topology,
    beta: targetBeta(run.config),
    samples: { x: s.x, n: s.n, energies: s.energies, logw: s.logw },
    reference,
    // A series has no coordinates: the handedness comes from the system's own structure.
    chiralityReference: frames ? undefined : ff.initialPositions,
    seed: run.config.seed,
  });
  // After filtering, mol.chirality.wrongRate is 0 by construction; keep the model's own rate.
  if (filtered)
    metrics = { ...metrics, 'mol.chirality.filtered': 1, 'mol.chirality.wrongRateUnfiltered': filtered.wrongRate ?? 0 };
  return { frames, seriesAngles: frames ? undefined : reference.angles, metrics };
}
