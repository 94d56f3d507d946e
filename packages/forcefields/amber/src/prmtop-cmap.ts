/**
 * The CMAP sections of a prmtop (ff19SB writes CMAP_*, CHAMBER files CHARMM_CMAP_*), checked for
 * the engines that evaluate them: the native engine refuses CMAP by design, OpenMM reads it, and a
 * count or an index out of range would reach OpenMM unchecked.
 */
import type { Prmtop } from './prmtop.js';
import { PrmtopFields } from './prmtop-fields.js';

/** Throw an InputError naming the file and section when a CMAP section is missing, short or out of range. */
export function checkCmapSections(p: Prmtop): void {
  const prefix = ['CMAP_', 'CHARMM_CMAP_'].find((x) => p.has(`${x}COUNT`));
  if (!prefix) return;
  const r = new PrmtopFields(p);
  const count = p.int(`${prefix}COUNT`);
  if (count.length < 2) r.fail(`section ${prefix}COUNT has ${count.length} values, expected 2 (terms, maps)`);
  const [terms, maps] = [count[0]!, count[1]!];
  const resolution = p.int(`${prefix}RESOLUTION`);
  if (resolution.length !== maps)
    r.fail(`section ${prefix}RESOLUTION has ${resolution.length} values, but ${prefix}COUNT says ${maps} maps`);
  resolution.forEach((res, k) => {
    const flag = `${prefix}PARAMETER_${String(k + 1).padStart(2, '0')}`;
    const n = p.real(flag).length;
    if (n !== res * res) r.fail(`section ${flag} has ${n} values, but a ${res}×${res} map needs ${res * res}`);
  });
  const index = p.int(`${prefix}INDEX`);
  if (index.length !== 6 * terms)
    r.fail(`section ${prefix}INDEX has ${index.length} values, but ${prefix}COUNT says ${terms} terms (6 values each)`);
  for (let k = 0; k < index.length; k++) {
    const v = index[k]!;
    const [bound, what] = k % 6 === 5 ? [maps, 'map index'] : [r.n, 'atom number'];
    if (v < 1 || v > bound)
      r.fail(`section ${prefix}INDEX: term ${Math.floor(k / 6) + 1} has ${what} ${v}, outside 1..${bound}`);
  }
}
