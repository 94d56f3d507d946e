/**
 * Exact marginal densities of a 2-D Boltzmann distribution by quadrature on a grid, so that the
 * report of a 2-D system can compare sampled marginals with the truth without any sampler.
 */

/** Marginal densities of exp(−βU(x, y)) along x and along y on [xRange] × [yRange]. */
export function exactMarginals2D(
  energy: (x: number, y: number) => number,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
  beta: number,
  n = 200,
): { x: { x: number[]; density: number[] }; y: { x: number[]; density: number[] } } {
  const xs = Array.from({ length: n }, (_, i) => xRange[0] + ((i + 0.5) * (xRange[1] - xRange[0])) / n);
  const ys = Array.from({ length: n }, (_, j) => yRange[0] + ((j + 0.5) * (yRange[1] - yRange[0])) / n);
  const u = new Float64Array(n * n);
  let min = Infinity;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const v = beta * energy(xs[i]!, ys[j]!);
      if (Number.isNaN(v)) throw new RangeError(`exact marginals: energy(${xs[i]}, ${ys[j]}) is NaN`);
      u[j * n + i] = v;
      if (v < min) min = v;
    }
  }
  // Shift by the minimum before exponentiating so deep wells cannot overflow.
  const px = new Array<number>(n).fill(0);
  const py = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const p = Math.exp(-(u[j * n + i]! - min));
      px[i]! += p;
      py[j]! += p;
    }
  }
  return { x: { x: xs, density: px }, y: { x: ys, density: py } };
}
