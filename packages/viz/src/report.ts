import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { svgToPng } from './render.js';
import { readRun } from './run-files.js';
import { RUN_FILES } from './run-layout.js';
import { structureFrames, framesToPdb, type StructureFrames } from './structure-frames.js';
import { renderReportHtml, type RenderedPlot } from './report-html.js';
import { plotJobs } from './report-plots.js';
import type { MarginalOptions, DecodedGridOptions } from './plots/index.js';
import type { ResidueDihedrals } from './residue-ramachandran.js';
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
  /**
   * Backbone dihedrals (radians) of the model samples and of the reference: `model`/`reference` of
   * the first residue (the Ramachandran plot of a dipeptide, the φ/ψ profiles, the latent states),
   * and, for a peptide of several residues, `residues` with every residue's (one plot each).
   */
  dihedrals?: {
    model: { phi: NumArray; psi: NumArray; weights?: NumArray };
    reference?: { phi: NumArray; psi: NumArray; weights?: NumArray };
    residues?: ResidueDihedrals[];
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

function svgWidth(svg: string): number {
  const m = /<svg[^>]*\swidth="([\d.]+)"/.exec(svg);
  return m ? Number(m[1]) : 600;
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
