import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { svgToPng } from './render.js';
import { weightsFromLogw } from './binning.js';
import { readRun } from './run-files.js';
import { RUN_FILES } from './run-layout.js';
import { exactMarginals2D } from './exact-marginals.js';
import { dihedralStates } from './dihedral-states.js';
import { structureFrames, framesToPdb, type StructureFrames } from './structure-frames.js';
import { renderReportHtml, type RenderedPlot } from './report-html.js';
import {
  trainingCurves,
  potential2D,
  marginal,
  ramachandran,
  freeEnergy1D,
  latentSpace,
  decodedGrid,
  energyHistogram,
  type MarginalOptions,
  type DecodedGridOptions,
} from './plots/index.js';
import type { MoleculeTopology, NumArray, RunFiles, SampleSet } from './types.js';

/** What a report shows. Every part is optional; plots that lack their data are left out. */
export interface ReportData {
  /** config / metrics / history of the run. `writeReport` reads them from the run directory when absent. */
  run?: Partial<RunFiles>;
  /** Page title; default: the config's "name". */
  title?: string;
  /** Target inverse temperature, 1/(kJ/mol); used for energies when the samples carry no β. */
  beta?: number;
  /** Samples of the trained model (logw gives the reweighted plots). */
  samples?: SampleSet;
  /** Reference samples (e.g. from MD) in the same shape. */
  reference?: SampleSet;
  /** Topology of a molecule; enables the 3-D viewer. */
  topology?: MoleculeTopology;
  /** Backbone dihedrals (radians) of the model samples and of the reference. */
  dihedrals?: {
    model: { phi: NumArray; psi: NumArray; weights?: NumArray };
    reference?: { phi: NumArray; psi: NumArray; weights?: NumArray };
  };
  /** A 2-D potential: draws the potential with samples over it and exact marginals along x and y. */
  potential?: {
    energy: (x: number, y: number) => number;
    xRange: readonly [number, number];
    yRange: readonly [number, number];
    xLabel?: string;
    yLabel?: string;
  };
  /** Conformational state of each model sample (for the latent-space plot); default: from the dihedrals. */
  states?: readonly string[];
  /** CVs decoded on a line or grid. */
  decoded?: DecodedGridOptions;
  /** More marginal plots. */
  marginals?: MarginalOptions[];
  /** Ready-made SVG plots to include. */
  extraPlots?: Array<{ id: string; title: string; svg: string; caption?: string }>;
  /** Most frames in the 3-D viewer. Default 50. */
  maxFrames?: number;
}

/** Options of {@link buildReport}. */
export interface ReportOptions extends ReportData {
  /** When set, the PNG of each plot (and frames.pdb) is written there. */
  outDir?: string;
  /** Width of the PNGs relative to the SVG size. Default 2. */
  pngScale?: number;
}

/** The result of {@link buildReport}. */
export interface BuiltReport {
  /** The complete, self-contained HTML page. */
  html: string;
  /** Absolute paths of the files written to outDir (empty without outDir). */
  files: string[];
  /** Plots that could not be drawn, with the reason (also shown in the page). */
  warnings: string[];
}

interface PlotJob {
  id: string;
  title: string;
  caption: string;
  svg: () => Promise<string>;
}

function svgWidth(svg: string): number {
  const m = /<svg[^>]*\swidth="([\d.]+)"/.exec(svg);
  return m ? Number(m[1]) : 600;
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

function plotJobs(data: ReportData): PlotJob[] {
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
  if (data.potential && s && s.dimension === 2) {
    const pot = data.potential;
    if (beta === undefined) throw new RangeError('report: a 2-D potential needs beta (data.beta or samples.beta)');
    const x = column(s, 0);
    const y = column(s, 1);
    const xLabel = pot.xLabel ?? 'x (nm)';
    const yLabel = pot.yLabel ?? 'y (nm)';
    jobs.push({
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
    });
    const exact = exactMarginals2D(pot.energy, pot.xRange, pot.yRange, beta);
    const [xName, xUnit] = splitLabel(xLabel);
    const [yName, yUnit] = splitLabel(yLabel);
    jobs.push({
      id: 'marginal-x',
      title: `Marginal of ${xName}`,
      caption: 'Raw and importance-reweighted model samples against the exact marginal (quadrature).',
      svg: () => marginal({ values: x, ...(w ? { weights: w } : {}), exact: exact.x, label: xName, unit: xUnit }),
    });
    jobs.push({
      id: 'marginal-y',
      title: `Marginal of ${yName}`,
      caption: 'Raw and importance-reweighted model samples against the exact marginal (quadrature).',
      svg: () => marginal({ values: y, ...(w ? { weights: w } : {}), exact: exact.y, label: yName, unit: yUnit }),
    });
  }
  (data.marginals ?? []).forEach((m, k) => {
    jobs.push({
      id: `marginal-${k + 1}`,
      title: m.title ?? `Marginal of ${m.label}`,
      caption: 'Marginal distribution.',
      svg: () => marginal(m),
    });
  });
  const dih = data.dihedrals;
  if (dih) {
    const modelWeights = dih.model.weights ?? (w && w.length === dih.model.phi.length ? w : undefined);
    const model = { phi: dih.model.phi, psi: dih.model.psi, ...(modelWeights ? { weights: modelWeights } : {}) };
    const reference = dih.reference;
    jobs.push({
      id: 'ramachandran',
      title: 'Ramachandran plot',
      caption: 'Free energy −ln p(φ, ψ) in kT on one colour scale for all panels.',
      svg: () => ramachandran({ model, ...(reference ? { reference } : {}) }),
    });
    for (const angle of ['phi', 'psi'] as const) {
      jobs.push({
        id: `free-energy-${angle}`,
        title: `Free energy along ${angle === 'phi' ? 'φ' : 'ψ'}`,
        caption: 'One-dimensional free-energy profile in kT.',
        svg: () => freeEnergy1D({ angle, model, ...(reference ? { reference } : {}) }),
      });
    }
  }
  if (s?.latent && s.latentDim) {
    const states =
      data.states ?? (dih && dih.model.phi.length === s.n ? dihedralStates(dih.model.phi, dih.model.psi) : undefined);
    if (states) {
      const { latent, latentDim } = s;
      jobs.push({
        id: 'latent-space',
        title: 'Latent space',
        caption: 'Latent coordinates (CVs) of model samples, coloured by conformational state.',
        svg: () => latentSpace({ latent, latentDim, state: states }),
      });
    }
  }
  if (data.decoded) {
    const decoded = data.decoded;
    jobs.push({
      id: 'decoded-grid',
      title: 'Decoded CVs',
      caption: 'Backbone dihedrals of configurations decoded along the CVs.',
      svg: () => decodedGrid(decoded),
    });
  }
  if (s?.energies && beta !== undefined) {
    const model = scaled(s.energies, beta);
    const ref = data.reference?.energies ? scaled(data.reference.energies, data.reference.beta ?? beta) : undefined;
    jobs.push({
      id: 'energy-histogram',
      title: 'Energies',
      caption: 'Reduced potential energies βU of the samples.',
      svg: () => energyHistogram({ model, ...(w ? { weights: w } : {}), ...(ref ? { reference: ref } : {}) }),
    });
  }
  for (const p of data.extraPlots ?? [])
    jobs.push({ id: p.id, title: p.title, caption: p.caption ?? '', svg: async () => p.svg });
  return jobs;
}

/** "x (nm)" → ["x", "nm"]; a label without a unit gets "a.u.". */
function splitLabel(label: string): [string, string] {
  const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(label);
  return m ? [m[1]!, m[2]!] : [label, 'a.u.'];
}

let threeDmolSource: string | undefined;
async function load3Dmol(): Promise<string> {
  if (threeDmolSource === undefined) {
    const require = createRequire(import.meta.url);
    threeDmolSource = await readFile(require.resolve('3dmol/build/3Dmol-min.js'), 'utf8');
  }
  return threeDmolSource;
}

/**
 * Build the self-contained HTML report: every plot as an inline PNG (data: URI), a metrics
 * table, the pretty-printed config and, for molecules, a 3-D viewer with the 3Dmol.js library
 * inlined. Works from file:// without network. With `outDir`, also writes `<plot-id>.png` per
 * plot and `frames.pdb`.
 */
export async function buildReport(opts: ReportOptions): Promise<BuiltReport> {
  const files: string[] = [];
  const warnings: string[] = [];
  if (opts.outDir) await mkdir(opts.outDir, { recursive: true });
  const plots: RenderedPlot[] = [];
  const scale = opts.pngScale ?? 2;
  for (const job of plotJobs(opts)) {
    try {
      const svg = await job.svg();
      const width = svgWidth(svg);
      const png = svgToPng(svg, { width: width * scale });
      if (opts.outDir) {
        const file = join(opts.outDir, `${job.id}.png`);
        await writeFile(file, png);
        files.push(file);
      }
      plots.push({ id: job.id, title: job.title, caption: job.caption, png, width });
    } catch (e) {
      const msg = `${job.title}: ${(e as Error).message}`;
      warnings.push(msg);
      plots.push({ id: job.id, title: job.title, caption: job.caption, error: (e as Error).message });
    }
  }
  let frames: StructureFrames | undefined;
  let viewerJs: string | undefined;
  if (opts.topology && opts.samples) {
    frames = structureFrames(opts.samples, opts.topology, opts.maxFrames ?? 50);
    viewerJs = await load3Dmol();
    if (opts.outDir && frames.coordinates.length > 0) {
      const file = join(opts.outDir, 'frames.pdb');
      await writeFile(file, framesToPdb(frames));
      files.push(file);
    }
  }
  const config = opts.run?.config ?? {};
  const name = typeof config['name'] === 'string' ? (config['name'] as string) : undefined;
  const html = renderReportHtml({
    title: opts.title ?? name ?? 'embedcg run',
    config,
    metrics: opts.run?.metrics ?? {},
    plots,
    ...(frames && frames.coordinates.length > 0
      ? { frames, viewerLibrary: viewerJs!, framesPdb: opts.outDir ? 'frames.pdb' : undefined }
      : {}),
    warnings,
  });
  return { html, files, warnings };
}

/**
 * Write RUN/report/index.html and the PNGs next to it (names: core's run layout). config, metrics and history are read
 * from the run directory unless `data.run` gives them.
 */
export async function writeReport(runDir: string, data: ReportData = {}): Promise<BuiltReport & { index: string }> {
  const given = data.run ?? {};
  const complete = given.config !== undefined && given.metrics !== undefined && given.history !== undefined;
  const run = { ...(complete ? {} : readRun(runDir)), ...given };
  const outDir = join(runDir, RUN_FILES.report);
  const built = await buildReport({ ...data, run, outDir });
  const index = join(outDir, RUN_FILES.reportIndex);
  await writeFile(index, built.html);
  return { ...built, files: [index, ...built.files], index };
}
