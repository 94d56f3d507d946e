/**
 * One Ramachandran plot per residue of a peptide with several (ACE-(X)n-NME, n ≥ 2): the model,
 * raw and reweighted, and the reference beside it, titled with the residue ("ALA 2: φ/ψ"). Each
 * caption gives the β / αR / C7ax-αL masses of the samples drawn in the panels and, with a
 * reference, the residue's Jensen–Shannon divergence on 32² bins as `evaluate --reference`
 * computes it (the `mol.residue.<label>.js32.*` metrics).
 */
import { MIN_EFFECTIVE_COUNT } from './binning.js';
import { basinMasses, type BasinMasses } from './dihedral-states.js';
import { ramachandran, type DihedralSamples } from './plots/ramachandran.js';
import { formatNumber } from './summary-labels.js';
import type { PlotJob } from './report-plots.js';
import type { RunMetrics } from './types.js';

/** Backbone dihedrals of one residue, in the model samples and in the reference. */
export interface ResidueDihedrals {
  /** Residue name and 1-based number, "ALA2": the label of evaluate's `mol.residue.*` keys. */
  label: string;
  model: DihedralSamples;
  reference?: DihedralSamples;
}

/** "ALA2" → "ALA 2" (a label without a trailing number stays as it is). */
export function residueTitle(label: string): string {
  return label.replace(/^(.*?\D)(\d+)$/, '$1 $2');
}

/** Plot id (and PNG name) of a residue's Ramachandran plot: "ramachandran-ala2". */
export function residuePlotId(label: string): string {
  return `ramachandran-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/** The model's dihedrals with the samples' importance weights, when they have them and none of their own. */
export function withSampleWeights(model: DihedralSamples, w: Float64Array | undefined): DihedralSamples {
  const weights = model.weights ?? (w && w.length === model.phi.length ? w : undefined);
  return { phi: model.phi, psi: model.psi, ...(weights ? { weights } : {}) };
}

/** The panels' names, for captions: raw model, reweighted model when weighted, reference when given. */
export function ramachandranPanels(model: DihedralSamples, reference: DihedralSamples | undefined): string[] {
  return ['model, raw', ...(model.weights ? ['model, reweighted'] : []), ...(reference ? ['reference'] : [])];
}

/** The caption's first sentence, shared with the single Ramachandran plot of a dipeptide. */
export function ramachandranCaption(panels: string[]): string {
  return `Free energy −ln p(φ, ψ) in kT on one colour scale for all panels (${panels.join(' | ')}); grey bins hold fewer than ${MIN_EFFECTIVE_COUNT} effective samples and show no value.`;
}

const masses = (m: BasinMasses) =>
  `${formatNumber(100 * m.beta)} / ${formatNumber(100 * m.alphaR)} / ${formatNumber(100 * m.c7axAlphaL)} %`;

function num(m: RunMetrics, key: string): number | undefined {
  const v = m[key];
  return typeof v === 'number' ? v : undefined;
}

/** The residue's JS(32²) sentence from evaluate's metrics, or '' when they hold none. */
function divergenceText(m: RunMetrics, label: string): { sentence: string; short: string } {
  const k = `mol.residue.${label}.js32`;
  const raw = num(m, `${k}.raw`);
  if (raw === undefined) return { sentence: '', short: '' };
  const rw = num(m, `${k}.reweighted`);
  const floor = num(m, `${k}.noiseFloor`);
  const runs = num(m, `${k}.runVsRuns`);
  const value =
    rw !== undefined
      ? `${formatNumber(rw)} nats reweighted, ${formatNumber(raw)} raw`
      : `${formatNumber(raw)} nats raw`;
  const floors = [
    ...(floor !== undefined ? [`the reference's halves against each other ${formatNumber(floor)}`] : []),
    ...(runs !== undefined ? [`its first run against the rest ${formatNumber(runs)}`] : []),
  ];
  return {
    sentence: ` Jensen–Shannon divergence to the reference on 32² bins (as evaluate): ${value}${floors.length ? `; noise floor: ${floors.join(', ')}` : ''}.`,
    short: `; JS(32²) ${formatNumber(rw ?? raw)} nats${rw !== undefined ? ' reweighted' : ''}`,
  };
}

/** The plot of one residue. */
function residueJob(r: ResidueDihedrals, w: Float64Array | undefined, metrics: RunMetrics): PlotJob {
  const model = withSampleWeights(r.model, w);
  const reference = r.reference;
  const raw = basinMasses(model.phi, model.psi);
  const rw = model.weights ? basinMasses(model.phi, model.psi, model.weights) : undefined;
  const ref = reference ? basinMasses(reference.phi, reference.psi, reference.weights) : undefined;
  const modelParts = [`model raw ${masses(raw)}`, ...(rw ? [`model reweighted ${masses(rw)}`] : [])];
  const refPart = ref ? `reference ${masses(ref)}` : undefined;
  const parts = [...modelParts, ...(refPart ? [refPart] : [])];
  const js = divergenceText(metrics, r.label);
  const title = `${residueTitle(r.label)}: φ/ψ`;
  // The picture alone (the PNG beside the page) keeps the residue's key numbers, raw beside
  // reweighted as a few huge weights can make the reweighted masses meaningless. Two short lines:
  // vega sizes the figure by an estimate of the longest title line's width.
  const notes = [`β / αR / C7ax-αL: ${modelParts.join(', ')}`, ...(refPart ? [`${refPart}${js.short}`] : [])];
  return {
    id: residuePlotId(r.label),
    title,
    caption: `${ramachandranCaption(ramachandranPanels(model, reference))} Mass in β / αR / C7ax-αL (0 < φ < 120°) of the samples drawn: ${parts.join(', ')}.${js.sentence}`,
    svg: () => ramachandran({ model, ...(reference ? { reference } : {}), title: `${title} free energy`, notes }),
  };
}

/**
 * One Ramachandran plot per residue, in chain order. Residue data that do not fit together (φ, ψ
 * and weights of different lengths) give a plot that fails to draw, shown as a warning in the
 * page, as every other plot's bad data are.
 */
export function residueRamachandranJobs(
  residues: readonly ResidueDihedrals[],
  w: Float64Array | undefined,
  metrics: RunMetrics,
): PlotJob[] {
  return residues.map((r) => {
    try {
      return residueJob(r, w, metrics);
    } catch (e) {
      const title = `${residueTitle(r.label)}: φ/ψ`;
      return { id: residuePlotId(r.label), title, caption: '', svg: () => Promise.reject(e as Error) };
    }
  });
}
