/**
 * Compact reference series of a peptide's MD: per frame the time, the potential energy and φ/ψ of
 * every residue, as CSV text (gzipped on disk by the callers). It is what a reference keeps instead
 * of the trajectory: about 1 MB per 40 ns at one frame per ps, and enough for the molecular
 * yardsticks that need no coordinates (Ramachandran divergences, state populations, ΔF, energy W1).
 *
 *   # embedcg-md-series 1
 *   # any comment lines (how the run was made)
 *   time_ps,potential_kJmol,phi_ALA2,psi_ALA2,phi_ALA3,psi_ALA3
 *   1,-10.75,-74.4,176.2,-144.6,-168.1
 *
 * Angles in degrees (0.1° written), energies in kJ/mol (0.01 written): far below a kT (2.7 kJ/mol at
 * 330 K) and a Ramachandran bin (5.6° at 64²).
 */
const MAGIC = '# embedcg-md-series 1';
const DEG = Math.PI / 180;

export interface MdSeries {
  timePs: Float64Array;
  /** Potential energy, kJ/mol. */
  energies: Float64Array;
  /** One entry per residue with both angles, in chain order; angles in radians. */
  residues: { label: string; phi: Float64Array; psi: Float64Array }[];
  /** The comment lines after the first, without their "# ". */
  comments: string[];
}

/** The series as text; `comments` become "# " lines under the format line. */
export function formatMdSeries(s: Omit<MdSeries, 'comments'> & { comments?: string[] }): string {
  const head = ['time_ps', 'potential_kJmol', ...s.residues.flatMap((r) => [`phi_${r.label}`, `psi_${r.label}`])];
  const lines = [MAGIC, ...(s.comments ?? []).map((c) => `# ${c}`), head.join(',')];
  const deg = (v: number) => (v / DEG).toFixed(1);
  for (let i = 0; i < s.timePs.length; i++) {
    const row = [String(+s.timePs[i]!.toFixed(3)), s.energies[i]!.toFixed(2)];
    for (const r of s.residues) row.push(deg(r.phi[i]!), deg(r.psi[i]!));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Whether `text` starts like a series (the format line). */
export function isMdSeries(text: string): boolean {
  return text.startsWith(MAGIC);
}

/** Parse a series; `source` names the file in errors. */
export function parseMdSeries(text: string, source = 'series'): MdSeries {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== MAGIC) throw new RangeError(`${source}: not an embedcg MD series (no "${MAGIC}" line)`);
  const comments: string[] = [];
  let k = 1;
  for (; k < lines.length && lines[k]!.startsWith('#'); k++) comments.push(lines[k]!.replace(/^#\s?/, ''));
  const head = (lines[k++] ?? '').split(',');
  if (head[0] !== 'time_ps' || head[1] !== 'potential_kJmol' || head.length % 2 !== 0)
    throw new RangeError(`${source}: header must be time_ps,potential_kJmol,phi_R,psi_R,…; got "${head.join(',')}"`);
  const nRes = (head.length - 2) / 2;
  const labels: string[] = [];
  for (let r = 0; r < nRes; r++) {
    const phi = head[2 + 2 * r]!,
      psi = head[3 + 2 * r]!;
    if (!phi.startsWith('phi_') || psi !== `psi_${phi.slice(4)}`)
      throw new RangeError(`${source}: columns ${3 + 2 * r}-${4 + 2 * r} must be phi_R,psi_R; got ${phi},${psi}`);
    labels.push(phi.slice(4));
  }
  const n = lines.length - k;
  const timePs = new Float64Array(n),
    energies = new Float64Array(n);
  const angles = labels.map(() => ({ phi: new Float64Array(n), psi: new Float64Array(n) }));
  for (let i = 0; i < n; i++) {
    const v = lines[k + i]!.split(',').map(Number);
    if (v.length !== head.length || !v.every(Number.isFinite))
      throw new RangeError(
        `${source}: line ${k + i + 1} has ${v.length} fields or a non-number; expected ${head.length}`,
      );
    timePs[i] = v[0]!;
    energies[i] = v[1]!;
    angles.forEach((a, r) => {
      a.phi[i] = v[2 + 2 * r]! * DEG;
      a.psi[i] = v[3 + 2 * r]! * DEG;
    });
  }
  return { timePs, energies, residues: labels.map((label, r) => ({ label, ...angles[r]! })), comments };
}
