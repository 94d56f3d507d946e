/**
 * The differentiable forward map x = T(y) of the internal-coordinates transform in float32 tfjs:
 * NeRF placement of every atom after the frame, and log|det J| (see internal-coordinates.ts).
 */
import * as tf from '@embedcg/core/tf';
import type { ZMatrixRow } from './z-matrix.js';

type V = [tf.Tensor, tf.Tensor, tf.Tensor];

const vsub = (u: V, v: V): V => [tf.sub(u[0], v[0]), tf.sub(u[1], v[1]), tf.sub(u[2], v[2])];
const vcross = (u: V, v: V): V => [
  tf.sub(tf.mul(u[1], v[2]), tf.mul(u[2], v[1])),
  tf.sub(tf.mul(u[2], v[0]), tf.mul(u[0], v[2])),
  tf.sub(tf.mul(u[0], v[1]), tf.mul(u[1], v[0])),
];
// The tiny epsilon vanishes in float32 next to any real |u|² (~1e-2 nm² for bonded references)
// and only keeps a degenerate (collinear) reference from giving NaN gradients.
const unit = (u: V): V => {
  const inv = tf.rsqrt(tf.add(tf.add(tf.add(tf.square(u[0]), tf.square(u[1])), tf.square(u[2])), 1e-30));
  return [tf.mul(u[0], inv), tf.mul(u[1], inv), tf.mul(u[2], inv)];
};

/**
 * x = T(y) and log|det J| for y of shape n × (3N − 6). `ux2` is +1 when row 2 is bonded to the
 * origin atom (it lies along +x from it), −1 when bonded to the axis atom (along −x from that).
 */
export function internalToCartesianTf(
  y: tf.Tensor2D,
  zm: readonly ZMatrixRow[],
  ux2: number,
): { x: tf.Tensor2D; logDetJ: tf.Tensor1D } {
  const N = zm.length;
  const n = y.shape[0];
  const [z0, z1, z2] = [zm[0]![0], zm[1]![0], zm[2]![0]];
  return tf.tidy(() => {
    // Column slices, element-wise ops and one concat only: every gradient here exists on wasm
    // (a gather's scatter-add does not). N is small, so a loop over atoms is cheap enough.
    const bonds = tf.slice(y, [0, 0], [n, N - 1]);
    const angles = tf.slice(y, [0, N - 1], [n, N - 2]);
    const torsions = tf.slice(y, [0, 2 * N - 3], [n, N - 3]);
    const cosA = tf.cos(angles),
      sinA = tf.sin(angles),
      cosT = tf.cos(torsions),
      sinT = tf.sin(torsions);
    const col = (t: tf.Tensor, c: number) => tf.slice(t, [0, c], [n, 1]);
    const zero = tf.zeros([n, 1]);
    const pos = new Array<V>(N);
    pos[z0] = [zero, zero, zero];
    pos[z1] = [col(bonds, 0), zero, zero];
    const b2 = col(bonds, 1);
    pos[z2] = [tf.add(pos[zm[2]![1]]![0], tf.mul(tf.mul(b2, col(cosA, 0)), ux2)), tf.mul(b2, col(sinA, 0)), zero];
    for (let r = 3; r < N; r++) {
      const [i, j, k, l] = zm[r]!;
      // NeRF: local frame (bc, m, nv) at j, with bc along k→j and nv normal to the (l, k, j) plane.
      const bc = unit(vsub(pos[j]!, pos[k]!));
      const nv = unit(vcross(vsub(pos[k]!, pos[l]!), bc));
      const m = vcross(nv, bc);
      const b = col(bonds, r - 1),
        ca = col(cosA, r - 2),
        sa = col(sinA, r - 2);
      const d0 = tf.neg(tf.mul(b, ca));
      const bs = tf.mul(b, sa);
      const d1 = tf.mul(bs, col(cosT, r - 3)),
        d2 = tf.mul(bs, col(sinT, r - 3));
      pos[i] = [0, 1, 2].map((c) =>
        tf.add(tf.add(tf.add(pos[j]![c]!, tf.mul(bc[c]!, d0)), tf.mul(m[c]!, d1)), tf.mul(nv[c]!, d2)),
      ) as V;
    }
    const x = tf.concat(pos.flat(), 1) as tf.Tensor2D;
    // log|b2| + Σ_{r≥3} (log b² + log|sin θ|), via squares so that no abs gradient is needed.
    const rest = tf.add(
      tf.log(tf.square(tf.slice(bonds, [0, 2], [n, N - 3]))),
      tf.mul(tf.log(tf.square(tf.slice(sinA, [0, 1], [n, N - 3]))), 0.5),
    );
    const logDetJ = tf.add(tf.sum(rest, 1), tf.mul(tf.log(tf.square(tf.reshape(b2, [n]))), 0.5)) as tf.Tensor1D;
    return { x, logDetJ };
  });
}
