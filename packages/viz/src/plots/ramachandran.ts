import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import {
  MIN_EFFECTIVE_COUNT,
  anglesToDegrees,
  checkWeights,
  histogram2d,
  round,
  type Histogram2D,
} from '../binning.js';
import type { NumArray } from '../types.js';

/** Backbone dihedrals of a sample set, radians; optional importance weights. */
export interface DihedralSamples {
  phi: NumArray;
  psi: NumArray;
  weights?: NumArray;
}

/** Options of {@link ramachandran}. */
export interface RamachandranOptions {
  model: DihedralSamples;
  reference?: DihedralSamples;
  /** Bins per axis. Default 48 (7.5°). */
  bins?: number;
  /** Free energies above this many kT over the global minimum share the top colour. Default 10. */
  cap?: number;
  title?: string;
  /** Lines added under the subtitle (numbers that belong with the picture). */
  notes?: string[];
}

const ANGLE_TICKS = [-180, -120, -60, 0, 60, 120, 180];
/** Fill of bins that hold samples but too few effective ones to draw a value. */
export const SPARSE_COLOUR = '#c8c8c8';

/** One cell of a Ramachandran panel; F is null for a bin below the effective-count threshold. */
export interface RamachandranCell {
  panel: string;
  phi: number;
  phi2: number;
  psi: number;
  psi2: number;
  F: number | null;
}

/**
 * The cells of the panels: F = −ln p (kT, capped) with 0 at the densest drawn bin over all panels;
 * bins with samples but a Kish effective count below {@link MIN_EFFECTIVE_COUNT} get F = null
 * (drawn grey, never coloured as a value); empty bins get no cell.
 */
export function ramachandranRows(hists: Histogram2D[], names: string[], cap: number): RamachandranCell[] {
  const drawn = (h: Histogram2D, k: number) => h.density[k]! > 0 && h.effective[k]! >= MIN_EFFECTIVE_COUNT;
  let maxDensity = 0;
  for (const h of hists)
    for (let k = 0; k < h.density.length; k++) if (drawn(h, k)) maxDensity = Math.max(maxDensity, h.density[k]!);
  const rows: RamachandranCell[] = [];
  hists.forEach((h, p) => {
    const dx = h.xEdges[1]! - h.xEdges[0]!;
    const dy = h.yEdges[1]! - h.yEdges[0]!;
    for (let j = 0; j < h.ny; j++) {
      for (let i = 0; i < h.nx; i++) {
        const k = j * h.nx + i;
        if (!(h.density[k]! > 0)) continue;
        // Cells overlap by a few per cent so anti-aliasing leaves no seams between them.
        const x = h.xEdges[i]!;
        const y = h.yEdges[j]!;
        rows.push({
          panel: names[p]!,
          phi: round(x, 5),
          phi2: round(x + 1.05 * dx, 5),
          psi: round(y, 5),
          psi2: round(y + 1.05 * dy, 5),
          F: drawn(h, k) ? round(Math.min(-Math.log(h.density[k]! / maxDensity), cap), 3) : null,
        });
      }
    }
  });
  return rows;
}

function checkDihedrals(d: DihedralSamples, name: string): void {
  if (d.phi.length !== d.psi.length)
    throw new RangeError(`${name}: ${d.phi.length} φ values but ${d.psi.length} ψ values`);
  checkWeights(d.phi, d.weights, `${name}.weights`);
}

/**
 * Ramachandran free-energy maps F(φ, ψ) = −ln p (kT): model raw, model reweighted (when
 * weights are given) and reference, side by side on ONE colour scale whose zero is the lowest
 * bin over all panels. Angles in radians in, degrees on [−180, 180) out. Empty bins are blank.
 */
export async function ramachandran(opts: RamachandranOptions): Promise<string> {
  checkDihedrals(opts.model, 'ramachandran.model');
  if (opts.reference) checkDihedrals(opts.reference, 'ramachandran.reference');
  const nb = opts.bins ?? 48;
  const cap = opts.cap ?? 10;
  const panels: Array<{ name: string; phi: Float64Array; psi: Float64Array; w?: NumArray }> = [];
  const mphi = anglesToDegrees(opts.model.phi);
  const mpsi = anglesToDegrees(opts.model.psi);
  panels.push({ name: `model, raw (n = ${mphi.length})`, phi: mphi, psi: mpsi });
  if (opts.model.weights) panels.push({ name: 'model, reweighted', phi: mphi, psi: mpsi, w: opts.model.weights });
  if (opts.reference) {
    const rphi = anglesToDegrees(opts.reference.phi);
    panels.push({
      name: `reference (n = ${rphi.length})`,
      phi: rphi,
      psi: anglesToDegrees(opts.reference.psi),
      ...(opts.reference.weights ? { w: opts.reference.weights } : {}),
    });
  }
  const hists = panels.map((p) => histogram2d(p.phi, p.psi, p.w, [-180, 180], [-180, 180], nb, nb));
  const rows = ramachandranRows(
    hists,
    panels.map((p) => p.name),
    cap,
  );
  const width = 360 / nb;
  const axis = { values: ANGLE_TICKS };
  const scale = { domain: [-180, 180], nice: false, zero: false };
  const spec = {
    title: {
      text: opts.title ?? 'Ramachandran free energy',
      subtitle: [
        `F = −ln p in kT, 0 at the most populated bin of all panels; ${round(width, 3)}° bins; blank = no samples;`,
        `grey = fewer than ${MIN_EFFECTIVE_COUNT} effective samples (Kish) in the bin, no value drawn`,
        ...(opts.notes ?? []),
      ],
    },
    data: { values: rows },
    facet: {
      column: {
        field: 'panel',
        type: 'nominal',
        title: null,
        sort: panels.map((p) => p.name),
        header: { labelFontSize: 13 },
      },
    },
    spec: {
      width: 260,
      height: 260,
      encoding: {
        x: { field: 'phi', type: 'quantitative', title: 'φ (°)', scale, axis },
        x2: { field: 'phi2' },
        y: { field: 'psi', type: 'quantitative', title: 'ψ (°)', scale, axis },
        y2: { field: 'psi2' },
      },
      layer: [
        {
          transform: [{ filter: 'datum.F !== null' }],
          mark: { type: 'rect', strokeWidth: 0, clip: true },
          encoding: {
            color: {
              field: 'F',
              type: 'quantitative',
              title: ['F', '(kT)'],
              scale: { scheme: 'viridis', domain: [0, cap] },
            },
          },
        },
        {
          transform: [{ filter: 'datum.F === null' }],
          mark: { type: 'rect', strokeWidth: 0, clip: true, color: SPARSE_COLOUR },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
