/**
 * Marching squares: iso-lines of a scalar field sampled on a regular grid, as line segments.
 * Saddle cells are resolved with the cell-centre average, which is enough for a plot.
 */

/** One iso-line segment. */
export interface Segment {
  x: number;
  y: number;
  x2: number;
  y2: number;
  level: number;
}

/**
 * Iso-line segments of `values[j * nx + i]`, sampled at (xs[i], ys[j]), for each level.
 * Non-finite values are treated as +∞ (above every level).
 */
export function isoSegments(
  values: ArrayLike<number>,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  levels: readonly number[],
): Segment[] {
  const nx = xs.length;
  const ny = ys.length;
  const v = (i: number, j: number): number => {
    const a = values[j * nx + i]!;
    return Number.isFinite(a) ? a : Infinity;
  };
  const lerp = (a: number, b: number, va: number, vb: number, L: number): number => {
    if (!Number.isFinite(vb)) return b;
    if (!Number.isFinite(va)) return a;
    return a + ((L - va) / (vb - va)) * (b - a);
  };
  const out: Segment[] = [];
  for (const L of levels) {
    for (let j = 0; j + 1 < ny; j++) {
      for (let i = 0; i + 1 < nx; i++) {
        const v00 = v(i, j);
        const v10 = v(i + 1, j);
        const v11 = v(i + 1, j + 1);
        const v01 = v(i, j + 1);
        const a00 = v00 > L;
        const a10 = v10 > L;
        const a11 = v11 > L;
        const a01 = v01 > L;
        if (a00 === a10 && a10 === a11 && a11 === a01) continue;
        const x0 = xs[i]!;
        const x1 = xs[i + 1]!;
        const y0 = ys[j]!;
        const y1 = ys[j + 1]!;
        // Crossing points on the edges bottom, right, top, left (null where no crossing).
        const pts: Array<[number, number] | null> = [
          a00 !== a10 ? [lerp(x0, x1, v00, v10, L), y0] : null,
          a10 !== a11 ? [x1, lerp(y0, y1, v10, v11, L)] : null,
          a01 !== a11 ? [lerp(x0, x1, v01, v11, L), y1] : null,
          a00 !== a01 ? [x0, lerp(y0, y1, v00, v01, L)] : null,
        ];
        const found = pts.map((p, k) => (p ? k : -1)).filter((k) => k >= 0);
        const push = (p: number, q: number): void => {
          const [xa, ya] = pts[p]!;
          const [xb, yb] = pts[q]!;
          out.push({ x: xa, y: ya, x2: xb, y2: yb, level: L });
        };
        if (found.length === 2) push(found[0]!, found[1]!);
        else if (found.length === 4) {
          const finite = [v00, v10, v11, v01].filter(Number.isFinite);
          const centre = finite.length === 4 ? (v00 + v10 + v11 + v01) / 4 : Infinity;
          if (centre > L === a00) {
            push(0, 1);
            push(2, 3);
          } else {
            push(3, 0);
            push(1, 2);
          }
        }
      }
    }
  }
  return out;
}
