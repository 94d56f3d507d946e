import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { anglesToDegrees, checkWeights, histogram2d, round } from '../binning.js';
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
}

const ANGLE_TICKS = [-180, -120, -60, 0, 60, 120, 180];

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
  let maxDensity = 0;
  for (const h of hists) for (const d of h.density) if (d > maxDensity) maxDensity = d;
  const rows: object[] = [];
  const width = 360 / nb;
  hists.forEach((h, k) => {
    for (let j = 0; j < nb; j++) {
      for (let i = 0; i < nb; i++) {
        const d = h.density[j * nb + i]!;
        if (!(d > 0)) continue;
        const f = Math.min(-Math.log(d / maxDensity), cap);
        // Cells overlap by a few per cent so anti-aliasing leaves no seams between them.
        const x = -180 + i * width;
        const y = -180 + j * width;
        rows.push({
          panel: panels[k]!.name,
          phi: round(x, 5),
          phi2: round(x + 1.05 * width, 5),
          psi: round(y, 5),
          psi2: round(y + 1.05 * width, 5),
          F: round(f, 3),
        });
      }
    }
  });
  const axis = { values: ANGLE_TICKS };
  const scale = { domain: [-180, 180], nice: false, zero: false };
  const spec = {
    title: {
      text: opts.title ?? 'Ramachandran free energy',
      subtitle: `F = −ln p in kT, 0 at the most populated bin of all panels; ${round(width, 3)}° bins; blank = no samples`,
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
      mark: { type: 'rect', strokeWidth: 0, clip: true },
      encoding: {
        x: { field: 'phi', type: 'quantitative', title: 'φ (°)', scale, axis },
        x2: { field: 'phi2' },
        y: { field: 'psi', type: 'quantitative', title: 'ψ (°)', scale, axis },
        y2: { field: 'psi2' },
        color: {
          field: 'F',
          type: 'quantitative',
          title: ['F', '(kT)'],
          scale: { scheme: 'viridis', domain: [0, cap] },
        },
      },
    },
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
