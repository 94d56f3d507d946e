/**
 * The Müller–Brown potential (Müller & Brown 1979), four Gaussian-like terms in 2-D, scaled by
 * `scale` so that β = 1 is a temperature where all three basins hold visible mass.
 *
 *   U(x, y) = scale · Σ_k A_k exp(a_k (x−x0_k)² + b_k (x−x0_k)(y−y0_k) + c_k (y−y0_k)²)
 *
 * The potential, its derivatives and minima; the exact reference is in muller-brown-reference.ts.
 */
const A = [-200, -100, -170, 15];
const a = [-1, -1, -6.5, 0.7];
const b = [0, 0, 11, 0.6];
const c = [-10, -10, -6.5, 0.7];
const X0 = [1, 0, -0.5, -1];
const Y0 = [0, 0.5, 1.5, 1];

/**
 * Default scale: U/20, i.e. kT = 20 in Müller–Brown's own energy units at β = 1. The minima then
 * lie at −7.33, −5.41 and −4.04 kT, the barriers out of the deep well are several kT, and the exact
 * basin masses (grid quadrature, see the README) are 80.6 % (A), 12.9 % (B) and 6.5 % (C): every
 * basin is visible, and the smallest is rare enough that a mode-seeking model can miss it.
 */
export const MULLER_BROWN_DEFAULT_SCALE = 0.05;

/** Unscaled Müller–Brown energy. */
export function mullerBrownRaw(x: number, y: number): number {
  let u = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    u += A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
  }
  return u;
}

/** Unscaled gradient [dU/dx, dU/dy] written into `out`; returns the energy. */
export function mullerBrownRawGradient(x: number, y: number, out: Float64Array | number[]): number {
  let u = 0;
  let gx = 0;
  let gy = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    const e = A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
    u += e;
    gx += e * (2 * a[k]! * dx + b[k]! * dy);
    gy += e * (b[k]! * dx + 2 * c[k]! * dy);
  }
  out[0] = gx;
  out[1] = gy;
  return u;
}

function rawHessian(x: number, y: number): [number, number, number] {
  let hxx = 0;
  let hxy = 0;
  let hyy = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    const e = A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
    const px = 2 * a[k]! * dx + b[k]! * dy;
    const py = b[k]! * dx + 2 * c[k]! * dy;
    hxx += e * (px * px + 2 * a[k]!);
    hxy += e * (px * py + b[k]!);
    hyy += e * (py * py + 2 * c[k]!);
  }
  return [hxx, hxy, hyy];
}

/** The three minima (Newton-polished from the textbook values), named A (deepest), B, C (shallowest). */
export function mullerBrownMinima(): Array<{ name: string; x: number; y: number; energy: number }> {
  const start: Array<[string, number, number]> = [
    ['A', -0.558, 1.442],
    ['B', 0.623, 0.028],
    ['C', -0.05, 0.467],
  ];
  const g = [0, 0];
  return start.map(([name, x, y]) => {
    for (let i = 0; i < 20; i++) {
      mullerBrownRawGradient(x, y, g);
      const [hxx, hxy, hyy] = rawHessian(x, y);
      const det = hxx * hyy - hxy * hxy;
      x -= (hyy * g[0]! - hxy * g[1]!) / det;
      y -= (-hxy * g[0]! + hxx * g[1]!) / det;
    }
    return { name, x, y, energy: mullerBrownRaw(x, y) };
  });
}
