/** Small dense Float64 linear algebra for the transform checks. */

/**
 * ½ log det(JᵀJ) of a rows × cols matrix J (row-major, rows ≥ cols): the log-volume factor of a
 * map whose Jacobian is J, which is log|det J| when J is square. By a Cholesky factorization of
 * JᵀJ; NaN when J has rank < cols.
 */
export function halfLogDetGram(J: Float64Array, rows: number, cols: number): number {
  const G = new Float64Array(cols * cols);
  for (let a = 0; a < cols; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += J[r * cols + a]! * J[r * cols + b]!;
      G[a * cols + b] = s;
    }
  // In place: the lower triangle of G becomes L with G = L Lᵀ.
  let half = 0;
  for (let j = 0; j < cols; j++) {
    let d = G[j * cols + j]!;
    for (let k = 0; k < j; k++) d -= G[j * cols + k]! ** 2;
    if (!(d > 0)) return NaN;
    const l = Math.sqrt(d);
    G[j * cols + j] = l;
    half += Math.log(l);
    for (let i = j + 1; i < cols; i++) {
      let s = G[i * cols + j]!;
      for (let k = 0; k < j; k++) s -= G[i * cols + k]! * G[j * cols + k]!;
      G[i * cols + j] = s / l;
    }
  }
  return half;
}
