/**
 * Molecular metrics against reference trajectories: shared by `evaluate --reference` and
 * `report --reference`, so the report's population and ΔF table is the one evaluate prints.
 */
import { targetBeta, type OpenedRun, type SampleSet } from '@embedcg/core';
import { molecularMetrics } from '@embedcg/core/molecules';
import { log } from './context.js';
import { UsageError } from './errors.js';
import { latentOf, readTrajectories, type LoadedFrames } from './commands/cvs.js';
import { applyChirality, type ChiralityMode } from './chirality.js';

/** How the reference files are read and the samples filtered. */
export interface ReferenceReading {
  skip: number;
  stride: number;
  chirality: ChiralityMode;
}

/** The reference frames read, and the `mol.*` metrics of `samples` against them. */
export interface MolecularReference {
  frames: LoadedFrames;
  metrics: Record<string, number>;
}

/** Reference energies, uncounted: they are the reference's cost, not the model's. */
async function referenceEnergies(run: OpenedRun, ref: LoadedFrames): Promise<Float64Array> {
  const ff = run.plugins.forceField;
  const energies = new Float64Array(ref.n);
  const D = ff.dimension;
  for (let s = 0; s < ref.n; s += 5000) {
    const b = Math.min(5000, ref.n - s);
    energies.set((await ff.inner.evaluate(ref.x.subarray(s * D, (s + b) * D), b, { energiesOnly: true })).energies, s);
  }
  return energies;
}

/** Read `paths` for the run's molecule and compute the molecular metrics of `samples` against them. */
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
  const ref = readTrajectories(paths, ff, { skip: o.skip, stride: o.stride });
  const energies = await referenceEnergies(run, ref);
  const D = ff.dimension;
  const latent =
    p.model.encode && p.model.latentDimension ? latentOf(p.model, p.transform, ref.x, ref.n, D) : undefined;
  log(`molecular metrics against ${ref.n} reference frames from ${paths.length} file(s)`);
  const filtered = o.chirality === 'filter' ? applyChirality('filter', samples, ff) : undefined;
  const s = filtered?.samples ?? samples;
  let metrics: Record<string, number> = molecularMetrics({
    topology: ff.topology,
    beta: targetBeta(run.config),
    samples: { x: s.x, n: s.n, energies: s.energies, logw: s.logw },
    reference: { x: ref.x, n: ref.n, energies, runLengths: ref.runLengths, latent, latentDim: p.model.latentDimension },
    seed: run.config.seed,
  });
  // After filtering, mol.chirality.wrongRate is 0 by construction; keep the model's own rate.
  if (filtered)
    metrics = { ...metrics, 'mol.chirality.filtered': 1, 'mol.chirality.wrongRateUnfiltered': filtered.wrongRate ?? 0 };
  return { frames: ref, metrics };
}
