/** Which plots a report shows, from the data it has: one job per plot, drawn later as SVG. */
import { MIN_EFFECTIVE_COUNT, weightsFromLogw } from './binning.js';
import { exactMarginals2D } from './exact-marginals.js';
import { dihedralStates } from './dihedral-states.js';
import {
  trainingCurves,
  potential2D,
  marginal,
  ramachandran,
  freeEnergy1D,
  latentSpace,
  decodedGrid,
  energyHistogram,
} from './plots/index.js';
import {
  ramachandranCaption,
  ramachandranPanels,
  residueRamachandranJobs,
  residueTitle,
  withSampleWeights,
} from './residue-ramachandran.js';
import type { ReportData } from './report.js';
import type { NumArray, RunMetrics, SampleSet } from './types.js';

/** One plot of the report. */
export interface PlotJob {
  id: string;
  title: string;
  caption: string;
  svg: () => Promise<string>;
}

/** The plots `data` has the data for, in page order. */
export function plotJobs(data: ReportData): PlotJob[] {
  const jobs: PlotJob[] = [];
  const history = data.run?.history ?? [];
  const s = data.samples;
  const w = sampleWeights(s);
  if (history.length > 0) {
    jobs.push({
      id: 'training-curves',
      title: 'Training curves',
      caption: 'Loss, tempering, effective sample size and cost against the training step.',
      svg: () => trainingCurves(history),
    });
  }
  const beta = s?.beta ?? data.beta;
  if (data.potential && s && s.dimension === 2) jobs.push(...potentialJobs(data.potential, s, w, beta));
  (data.marginals ?? []).forEach((m, k) => {
    jobs.push({
      id: `marginal-${k + 1}`,
      title: m.title ?? `Marginal of ${m.label}`,
      caption: 'Marginal distribution.',
      svg: () => marginal(m),
    });
  });
  if (data.dihedrals) jobs.push(...dihedralJobs(data.dihedrals, w, data.run?.metrics ?? {}));
  const latent = latentJob(data);
  if (latent) jobs.push(latent);
  if (data.decoded) {
    const decoded = data.decoded;
    jobs.push({
      id: 'decoded-grid',
      title: 'Decoded CVs',
      caption: 'Backbone dihedrals of configurations decoded along the CVs.',
      svg: () => decodedGrid(decoded),
    });
  }
  if (s?.energies && beta !== undefined) jobs.push(energyJob(s.energies, data.reference, beta, w));
  for (const p of data.extraPlots ?? [])
    jobs.push({ id: p.id, title: p.title, caption: p.caption ?? '', svg: async () => p.svg });
  return jobs;
}

/** A 2-D potential with the samples over it, and the marginals along x and y against the exact ones. */
function potentialJobs(
  pot: NonNullable<ReportData['potential']>,
  s: SampleSet,
  w: Float64Array | undefined,
  beta: number | undefined,
): PlotJob[] {
  if (beta === undefined) throw new RangeError('report: a 2-D potential needs beta (data.beta or samples.beta)');
  const x = column(s, 0);
  const y = column(s, 1);
  const xLabel = pot.xLabel ?? 'x (nm)';
  const yLabel = pot.yLabel ?? 'y (nm)';
  const exact = exactMarginals2D(pot.energy, pot.xRange, pot.yRange, beta);
  const [xName, xUnit] = splitLabel(xLabel);
  const [yName, yUnit] = splitLabel(yLabel);
  const caption = `Raw and importance-reweighted model samples against the exact marginal (quadrature); bins with fewer than ${MIN_EFFECTIVE_COUNT} effective samples are left out.`;
  return [
    {
      id: 'potential',
      title: 'Potential and samples',
      caption: 'Reduced potential βU (kT) with contours; red points are model samples.',
      svg: () =>
        potential2D({
          energy: pot.energy,
          xRange: pot.xRange,
          yRange: pot.yRange,
          beta,
          samples: { x, y },
          xLabel,
          yLabel,
        }),
    },
    {
      id: 'marginal-x',
      title: `Marginal of ${xName}`,
      caption,
      svg: () => marginal({ values: x, ...(w ? { weights: w } : {}), exact: exact.x, label: xName, unit: xUnit }),
    },
    {
      id: 'marginal-y',
      title: `Marginal of ${yName}`,
      caption,
      svg: () => marginal({ values: y, ...(w ? { weights: w } : {}), exact: exact.y, label: yName, unit: yUnit }),
    },
  ];
}

/**
 * The Ramachandran plot (one per residue for a peptide of several) and the free energies along φ
 * and ψ of the first residue.
 */
function dihedralJobs(
  dih: NonNullable<ReportData['dihedrals']>,
  w: Float64Array | undefined,
  metrics: RunMetrics,
): PlotJob[] {
  const model = withSampleWeights(dih.model, w);
  const reference = dih.reference;
  const panels = ramachandranPanels(model, reference);
  const residues = dih.residues ?? [];
  const several = residues.length >= 2;
  const jobs: PlotJob[] = several
    ? residueRamachandranJobs(residues, w, metrics)
    : [
        {
          id: 'ramachandran',
          title: reference ? 'Ramachandran plot: the model beside the reference' : 'Ramachandran plot',
          caption: ramachandranCaption(panels),
          svg: () => ramachandran({ model, ...(reference ? { reference } : {}) }),
        },
      ];
  const of = several ? ` of ${residueTitle(residues[0]!.label)}` : '';
  for (const angle of ['phi', 'psi'] as const) {
    jobs.push({
      id: `free-energy-${angle}`,
      title: `Free energy along ${angle === 'phi' ? 'φ' : 'ψ'}${of}`,
      caption: `One-dimensional free-energy profile in kT (${panels.join(', ')} overlaid) with 95 % bootstrap bands (200 resamples; the reference's frames in moving blocks of n/40, as they are correlated); gaps: fewer than ${MIN_EFFECTIVE_COUNT} effective samples in the bin.`,
      svg: () => freeEnergy1D({ angle, model, ...(reference ? { reference } : {}) }),
    });
  }
  return jobs;
}

/** The latent space coloured by state, when the samples have latents and states are known or follow from the dihedrals. */
function latentJob(data: ReportData): PlotJob | undefined {
  const s = data.samples;
  if (!s?.latent || !s.latentDim) return undefined;
  const dih = data.dihedrals;
  const states =
    data.states ?? (dih && dih.model.phi.length === s.n ? dihedralStates(dih.model.phi, dih.model.psi) : undefined);
  if (!states) return undefined;
  const { latent, latentDim } = s;
  return {
    id: 'latent-space',
    title: 'Latent space',
    caption: 'Latent coordinates (CVs) of model samples, coloured by conformational state.',
    svg: () => latentSpace({ latent, latentDim, state: states }),
  };
}

/** Reduced energies βU of the samples, and of the reference at its own β. */
function energyJob(
  energies: NumArray,
  reference: SampleSet | undefined,
  beta: number,
  w: Float64Array | undefined,
): PlotJob {
  const model = scaled(energies, beta);
  const ref = reference?.energies ? scaled(reference.energies, reference.beta ?? beta) : undefined;
  return {
    id: 'energy-histogram',
    title: 'Energies',
    caption: 'Reduced potential energies βU of the samples.',
    svg: () => energyHistogram({ model, ...(w ? { weights: w } : {}), ...(ref ? { reference: ref } : {}) }),
  };
}

/** Normalised importance weights of a sample set, when it has log weights. */
function sampleWeights(s: SampleSet | undefined): Float64Array | undefined {
  return s?.logw ? weightsFromLogw(s.logw, 'samples.logw') : undefined;
}

function column(s: SampleSet, k: number): Float64Array {
  const out = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) out[i] = s.positions[i * s.dimension + k]!;
  return out;
}

function scaled(values: NumArray, factor: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return out;
}

/** "x (nm)" → ["x", "nm"]; a label without a unit gets "a.u.". */
function splitLabel(label: string): [string, string] {
  const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(label);
  return m ? [m[1]!, m[2]!] : [label, 'a.u.'];
}
