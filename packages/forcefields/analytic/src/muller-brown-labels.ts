/** Basin labels of a 2-D potential on a lattice, by the continuous steepest-descent flow. */

/** A uniform lattice of nodes x = x0 + i·h, y = y0 + j·h, row-major (j * nx + i). */
export interface Lattice {
  x0: number;
  y0: number;
  h: number;
  nx: number;
  ny: number;
}

/**
 * The box on which basins are labelled by steepest descent. It holds the three wells with a wide
 * margin; β-dependent quadratures extend it when needed (points outside get the nearest minimum).
 */
export const MULLER_BROWN_LABEL_BOX = { xMin: -2.5, xMax: 2.0, yMin: -1.5, yMax: 3.0 };

/**
 * Basin label of every lattice node: the minimum that the continuous steepest-descent flow from
 * the node reaches (the end point takes the label of the nearest of `minima`).
 *
 * Nodes are labelled in order of increasing energy, so the flow from a node soon enters a lattice
 * cell whose four corners are already labelled; when they agree, the node takes that label, else
 * the flow goes on (it is near a separatrix). A walk from node to neighbouring node would be
 * cheaper but is biased to the 8 lattice directions and drifts off the true gradient line over
 * long, gentle slopes, mislabelling whole regions.
 */
export function steepestDescentLabels(
  lattice: Lattice,
  energy: Float64Array,
  minima: Array<{ x: number; y: number }>,
  gradient: (x: number, y: number, out: Float64Array) => void,
): Uint8Array {
  const { nx, ny, h, x0, y0 } = lattice;
  const UNSET = 255;
  const labels = new Uint8Array(nx * ny).fill(UNSET);
  const nearest = (px: number, py: number): number => nearestMinimum(minima, px, py);
  const isLatticeMinimum = (p: number): boolean => {
    const i = p % nx;
    const j = (p - i) / nx;
    for (let jj = Math.max(0, j - 1); jj <= Math.min(ny - 1, j + 1); jj++) {
      for (let ii = Math.max(0, i - 1); ii <= Math.min(nx - 1, i + 1); ii++) {
        if (energy[jj * nx + ii]! < energy[p]!) return false;
      }
    }
    return true;
  };
  const order = new Uint32Array(nx * ny);
  for (let p = 0; p < order.length; p++) order[p] = p;
  order.sort((p, q) => energy[p]! - energy[q]!);
  const g = new Float64Array(2);
  const captureRadius2 = (2 * h) ** 2;
  const maxSteps = 20 * (nx + ny);
  for (const p of order) {
    const i0 = p % nx;
    let x = x0 + i0 * h;
    let y = y0 + ((p - i0) / nx) * h;
    if (isLatticeMinimum(p)) {
      labels[p] = nearest(x, y);
      continue;
    }
    let label = UNSET;
    for (let step = 0; step < maxSteps && label === UNSET; step++) {
      gradient(x, y, g);
      const norm = Math.hypot(g[0]!, g[1]!);
      if (!(norm > 0)) break;
      x -= (h * g[0]!) / norm;
      y -= (h * g[1]!) / norm;
      const fi = Math.floor((x - x0) / h);
      const fj = Math.floor((y - y0) / h);
      if (fi < 0 || fj < 0 || fi >= nx - 1 || fj >= ny - 1) {
        label = nearest(x, y); // left the lattice: the convention outside it
        break;
      }
      const c = fj * nx + fi;
      const a = labels[c]!;
      if (a !== UNSET && labels[c + 1] === a && labels[c + nx] === a && labels[c + nx + 1] === a) label = a;
      else {
        for (let k = 0; k < minima.length; k++) {
          if ((minima[k]!.x - x) ** 2 + (minima[k]!.y - y) ** 2 < captureRadius2) label = k;
        }
      }
    }
    labels[p] = label === UNSET ? nearest(x, y) : label;
  }
  return labels;
}

/** Index of the minimum nearest to (x, y); the first one on ties. */
export function nearestMinimum(minima: Array<{ x: number; y: number }>, x: number, y: number): number {
  let best = 0;
  let bestD = Infinity;
  minima.forEach((m, k) => {
    const d = (m.x - x) ** 2 + (m.y - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return best;
}
