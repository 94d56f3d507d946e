/**
 * Periodic torsions (OpenMM PeriodicTorsionForce, propers and impropers) of one configuration.
 * φ follows the IUPAC/OpenMM sign convention, forces the Bekker/GROMACS formulas. cos φ and
 * sin φ come from the plane normals and cos(nφ − phase) from the multiple-angle recurrence, so no
 * trigonometric call is made; the terms of one quadruple share its geometry.
 */
import type { CompiledSystem } from './compiled.js';

/** Periodic torsion energy of the configuration at `x[base…]`; forces are added to `f`. */
export function torsionEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array): number {
  const {
    torsionIndex: idx,
    torsionStart: start,
    torsionPeriodicity: per,
    torsionCosPhase: cph,
    torsionSinPhase: sph,
    torsionK: k,
  } = sys;
  const nq = start.length - 1;
  let e = 0;
  for (let t = 0; t < nq; t++) {
    const i = 3 * idx[4 * t]!,
      j = 3 * idx[4 * t + 1]!,
      kk = 3 * idx[4 * t + 2]!,
      l = 3 * idx[4 * t + 3]!;
    const fx = x[base + i]! - x[base + j]!,
      fy = x[base + i + 1]! - x[base + j + 1]!,
      fz = x[base + i + 2]! - x[base + j + 2]!; // r_ij
    const gx = x[base + kk]! - x[base + j]!,
      gy = x[base + kk + 1]! - x[base + j + 1]!,
      gz = x[base + kk + 2]! - x[base + j + 2]!; // r_kj
    const hx = x[base + kk]! - x[base + l]!,
      hy = x[base + kk + 1]! - x[base + l + 1]!,
      hz = x[base + kk + 2]! - x[base + l + 2]!; // r_kl
    const mx = fy * gz - fz * gy,
      my = fz * gx - fx * gz,
      mz = fx * gy - fy * gx; // m = r_ij × r_kj
    const nx = gy * hz - gz * hy,
      ny = gz * hx - gx * hz,
      nz = gx * hy - gy * hx; // n = r_kj × r_kl
    const m2 = mx * mx + my * my + mz * mz,
      n2 = nx * nx + ny * ny + nz * nz;
    // Collinear atoms leave φ undefined: take φ = 0 (bounded energy) and no force.
    const degenerate = m2 < 1e-30 || n2 < 1e-30;
    let c = 1,
      s = 0;
    if (!degenerate) {
      const inv = 1 / Math.sqrt(m2 * n2);
      c = (mx * nx + my * ny + mz * nz) * inv;
      const cx = my * nz - mz * ny,
        cy = mz * nx - mx * nz,
        cz = mx * ny - my * nx;
      s = Math.sqrt(cx * cx + cy * cy + cz * cz) * inv;
      if (fx * nx + fy * ny + fz * nz < 0) s = -s;
    }
    // The series is inline: a call per quadruple costs ~7 % of this loop.
    let dEdPhi = 0;
    for (let term = start[t]!; term < start[t + 1]!; term++) {
      const nPer = per[term]!;
      let cn = c,
        sn = s;
      for (let p = 1; p < nPer; p++) {
        const tmp = cn * c - sn * s;
        sn = sn * c + cn * s;
        cn = tmp;
      }
      const kt = k[term]!;
      // cos(nφ − ψ) and sin(nφ − ψ)
      e += kt * (1 + cn * cph[term]! + sn * sph[term]!);
      dEdPhi -= kt * nPer * (sn * cph[term]! - cn * sph[term]!);
    }
    if (degenerate) continue;
    const g2 = gx * gx + gy * gy + gz * gz;
    const g = Math.sqrt(g2);
    const si = (-dEdPhi * g) / m2,
      sl = (dEdPhi * g) / n2;
    const fix = si * mx,
      fiy = si * my,
      fiz = si * mz; // force on i
    const flx = sl * nx,
      fly = sl * ny,
      flz = sl * nz; // force on l
    const p = (fx * gx + fy * gy + fz * gz) / g2,
      q = (hx * gx + hy * gy + hz * gz) / g2;
    const sx = p * fix - q * flx,
      sy = p * fiy - q * fly,
      sz = p * fiz - q * flz;
    f[i]! += fix;
    f[i + 1]! += fiy;
    f[i + 2]! += fiz;
    f[j]! += -fix + sx;
    f[j + 1]! += -fiy + sy;
    f[j + 2]! += -fiz + sz;
    f[kk]! += -flx - sx;
    f[kk + 1]! += -fly - sy;
    f[kk + 2]! += -flz - sz;
    f[l]! += flx;
    f[l + 1]! += fly;
    f[l + 2]! += flz;
  }
  return e;
}
