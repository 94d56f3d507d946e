import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { round, toWrappedDegrees } from '../binning.js';
import type { NumArray } from '../types.js';

/** φ/ψ (radians) of configurations decoded along a 1-D CV. */
export interface DecodedLine {
  z: NumArray;
  phi: NumArray;
  psi: NumArray;
}

/** φ/ψ (radians) decoded on a 2-D grid of CVs; entry k is at (z1[k], z2[k]). */
export interface DecodedGrid2D {
  z1: NumArray;
  z2: NumArray;
  phi: NumArray;
  psi: NumArray;
}

/** Options of {@link decodedGrid}. */
export type DecodedGridOptions = (DecodedLine | DecodedGrid2D) & { title?: string; axisName?: string };

function sameLength(name: string, arrays: Record<string, NumArray>): number {
  const entries = Object.entries(arrays);
  const n = entries[0]![1].length;
  for (const [k, a] of entries)
    if (a.length !== n) throw new RangeError(`decodedGrid: ${name}: ${k} has ${a.length} values, expected ${n}`);
  return n;
}

/** Cell size of a sorted list of unique grid coordinates (the smallest gap). */
function cellSize(values: NumArray): number {
  const u = [...new Set(Array.from(values))].sort((a, b) => a - b);
  let d = Infinity;
  for (let i = 1; i < u.length; i++) d = Math.min(d, u[i]! - u[i - 1]!);
  return Number.isFinite(d) && d > 0 ? d : 1;
}

/**
 * What each CV does: backbone dihedrals of the configurations decoded from a line (1-D CV:
 * φ and ψ against z) or a grid (2-D CV: φ and ψ heat maps over (z₁, z₂) on a cyclic colour scale).
 */
export async function decodedGrid(opts: DecodedGridOptions): Promise<string> {
  const z = opts.axisName ?? 'z';
  let spec: object;
  if ('z1' in opts) {
    const n = sameLength('2-D grid', { z1: opts.z1, z2: opts.z2, phi: opts.phi, psi: opts.psi });
    const h1 = cellSize(opts.z1) / 2;
    const h2 = cellSize(opts.z2) / 2;
    const rows: object[] = [];
    for (let k = 0; k < n; k++) {
      const a = opts.z1[k]!;
      const b = opts.z2[k]!;
      // Cells overlap by a few per cent so anti-aliasing leaves no seams between them.
      const base = {
        z1: round(a - h1, 5),
        z1e: round(a + 1.1 * h1, 5),
        z2: round(b - h2, 5),
        z2e: round(b + 1.1 * h2, 5),
      };
      rows.push({ ...base, angle: 'φ', deg: round(toWrappedDegrees(opts.phi[k]!), 4) });
      rows.push({ ...base, angle: 'ψ', deg: round(toWrappedDegrees(opts.psi[k]!), 4) });
    }
    spec = {
      title: {
        text: opts.title ?? 'Dihedrals of decoded configurations',
        subtitle: 'mean configuration decoded at each CV grid point',
      },
      data: { values: rows },
      facet: { column: { field: 'angle', type: 'nominal', title: null, sort: ['φ', 'ψ'] } },
      spec: {
        width: 260,
        height: 260,
        mark: { type: 'rect', strokeWidth: 0, clip: true },
        encoding: {
          x: { field: 'z1', type: 'quantitative', title: `${z}₁ (dimensionless)`, scale: { zero: false, nice: false } },
          x2: { field: 'z1e' },
          y: { field: 'z2', type: 'quantitative', title: `${z}₂ (dimensionless)`, scale: { zero: false, nice: false } },
          y2: { field: 'z2e' },
          color: {
            field: 'deg',
            type: 'quantitative',
            title: ['angle', '(°)'],
            scale: { scheme: 'sinebow', domain: [-180, 180] },
          },
        },
      },
    };
  } else {
    const n = sameLength('1-D line', { z: opts.z, phi: opts.phi, psi: opts.psi });
    const rows: object[] = [];
    for (let k = 0; k < n; k++) {
      rows.push({ z: round(opts.z[k]!, 5), deg: round(toWrappedDegrees(opts.phi[k]!), 4), angle: 'φ' });
      rows.push({ z: round(opts.z[k]!, 5), deg: round(toWrappedDegrees(opts.psi[k]!), 4), angle: 'ψ' });
    }
    spec = {
      title: { text: opts.title ?? 'Dihedrals along the CV', subtitle: 'mean configuration decoded at each z' },
      width: 460,
      height: 260,
      data: { values: rows },
      // Points, not lines: a wrapped angle jumps from +180° to −180°, which a line would draw as a spike.
      mark: { type: 'point', filled: true, size: 28 },
      encoding: {
        x: { field: 'z', type: 'quantitative', title: `${z} (dimensionless)`, scale: { zero: false } },
        y: {
          field: 'deg',
          type: 'quantitative',
          title: 'dihedral angle (°)',
          scale: { domain: [-180, 180], nice: false },
          axis: { values: [-180, -120, -60, 0, 60, 120, 180] },
        },
        color: {
          field: 'angle',
          type: 'nominal',
          title: null,
          scale: { domain: ['φ', 'ψ'], range: ['#1f77b4', '#d62728'] },
        },
      },
    };
  }
  return vegaLiteToSvg(spec as TopLevelSpec);
}
