/**
 * `--solvent` with `--system` on the OpenMM engine. The native engine evaluates a system.json in the
 * solvent asked for (vacuum drops the GB term; obc1/obc2 use the file's GB particles with that
 * model), while OpenMM builds the forces the file lists, so `--solvent vacuum` used to give the
 * OBC2 energy there. The file is rewritten to the solvent asked for, so both engines agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type ForceField } from '@embedcg/core';
import { writeSystemJson, type SystemParameters } from '@embedcg/core/molecules';

export type Solvent = 'vacuum' | 'obc1' | 'obc2';

/** The system as the native engine evaluates it in `solvent`; an error names the file when it cannot be. */
export function systemForSolvent(system: SystemParameters, solvent: Solvent, path: string): SystemParameters {
  if (solvent === 'vacuum') return system.gb === null ? system : { ...system, gb: null };
  if (!system.gb) {
    throw new InputError(
      `${path}: --solvent ${solvent} needs GB parameters, but the system has none; use --solvent vacuum or export the system with implicit solvent`,
      path,
    );
  }
  return system.gb.model === solvent ? system : { ...system, gb: { ...system.gb, model: solvent } };
}

/**
 * A force field made from a temporary system.json holding `system`. The file lives as long as the
 * force field: the OpenMM pool reads it again whenever it restarts a child.
 */
export async function withSystemFile(
  system: SystemParameters,
  create: (path: string) => Promise<ForceField>,
): Promise<ForceField> {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-system-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'system.json');
    writeSystemJson(path, system);
    const ff = await create(path);
    const dispose = ff.dispose?.bind(ff);
    ff.dispose = async () => {
      try {
        await dispose?.();
      } finally {
        remove();
      }
    };
    return ff;
  } catch (e) {
    remove();
    throw e;
  }
}
