/**
 * What a serialized OpenMM System XML says about its atoms: only the particles and their masses
 * (XmlSerializer writes no names, residues or elements). Read natively, so that a PDB paired with
 * the System is checked before OpenMM starts.
 */
import { readFileSync } from 'node:fs';
import { InputError, type Topology } from '@embedcg/core';
import { elementsFromMasses } from '@embedcg/core/molecules';

/** The particle masses of a System XML (dalton), in order. */
export function systemXmlMasses(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read OpenMM System XML (${(e as Error).message})`, path);
  }
  // Forces list <Particle> elements of their own (charges, exclusions): only the System's
  // <Particles> block holds the masses. A virtual site nests its definition inside its particle.
  const block = /<System\b[^>]*>[\s\S]*?<Particles>([\s\S]*?)<\/Particles>/.exec(text);
  if (!block) throw new InputError(`${path}: not a serialized OpenMM System (no <System> with <Particles>)`, path);
  const masses = [...block[1]!.matchAll(/<Particle\b[^>]*?\bmass="([^"]*)"/g)].map((m) => Number(m[1]));
  const bad = masses.findIndex((m) => !Number.isFinite(m));
  if (bad >= 0) throw new InputError(`${path}: particle ${bad} has no numeric mass`, path);
  if (masses.length === 0) throw new InputError(`${path}: the System has no particles`, path);
  return masses;
}

/**
 * A mass-only topology of a System XML: elements from the masses (none when any mass is no
 * standard atomic weight), placeholder names and residues as the Python server gives them.
 */
export function systemXmlTopology(path: string): Topology {
  const masses = systemXmlMasses(path);
  const elements = elementsFromMasses(masses);
  return {
    atoms: masses.map((mass, i) => ({
      name: `${elements[i] || 'X'}${i + 1}`,
      element: elements[i]!,
      mass,
      residueName: 'UNK',
      residueIndex: 0,
    })),
    bonds: [],
    elementsOnly: true,
  };
}
