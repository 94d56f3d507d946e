#!/usr/bin/env node
// Turns `embedcg md` output into the compact reference series of a peptide (φ/ψ of every residue
// and the potential energy, one row per frame), gzipped: what a reference keeps instead of the DCD.
//
//   node tools/md-series.mjs RUN.dcd OUT.csv.gz [--note TEXT]...
//
// φ/ψ are computed from the DCD's coordinates (atom names from RUN.pdb beside it); the energies
// come from RUN.energies.csv beside it (the DCD holds none), matched row by row on the step. The
// format: packages/core/src/molecules/io/md-series.ts. Read back by `embedcg evaluate --reference`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { backboneDihedrals, dihedralSeries, formatMdSeries, readDcd, readPdb } from '@embedcg/core/molecules';

function fail(message) {
  process.stderr.write(`md-series: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const notes = [];
for (let i = args.indexOf('--note'); i >= 0; i = args.indexOf('--note')) notes.push(...args.splice(i, 2).slice(1));
const [dcd, out] = args;
if (!dcd || !out || args.length !== 2) fail('usage: node tools/md-series.mjs RUN.dcd OUT.csv.gz [--note TEXT]...');
const base = dcd.replace(/\.dcd$/i, '');
for (const f of [dcd, `${base}.pdb`, `${base}.energies.csv`]) if (!existsSync(f)) fail(`${f}: no such file`);

const pdb = readPdb(`${base}.pdb`);
const topology = { atoms: pdb.atoms, bonds: [] };
const bb = backboneDihedrals(topology);
if (bb.phi.length === 0) fail(`${base}.pdb: no residue with both φ and ψ (atoms named C, N, CA, C, N)`);
const { nAtoms, nFrames, positions } = readDcd(dcd);
if (nAtoms !== pdb.atoms.length) fail(`${dcd}: ${nAtoms} atoms, but ${base}.pdb has ${pdb.atoms.length}`);

// The CSV row of frame f is the one whose step is (f + 1) · interval; md cuts both back together.
const rows = readFileSync(`${base}.energies.csv`, 'utf8').trim().split('\n');
const head = rows[0].split(',');
const [iStep, iTime, iE] = ['step', 'time_ps', 'potential_kJmol'].map((k) => head.indexOf(k));
if (iStep < 0 || iTime < 0 || iE < 0) fail(`${base}.energies.csv: no step,time_ps,potential_kJmol columns`);
const data = rows.slice(1).map((r) => r.split(',').map(Number));
if (data.length < nFrames) fail(`${base}.energies.csv: ${data.length} rows for ${nFrames} DCD frames`);
const steps = data.slice(0, nFrames).map((r) => r[iStep]);
if (steps.some((s, f) => s !== steps[0] * (f + 1))) fail(`${base}.energies.csv: steps are not one per frame`);

const D = 3 * nAtoms;
const label = (r) => {
  const a = pdb.atoms.find((x) => x.residueIndex === r);
  return `${a.residueName}${r + 1}`;
};
const text = formatMdSeries({
  timePs: Float64Array.from(data.slice(0, nFrames), (r) => r[iTime]),
  energies: Float64Array.from(data.slice(0, nFrames), (r) => r[iE]),
  residues: bb.residues.map((r, k) => ({
    label: label(r),
    phi: dihedralSeries(positions, D, nFrames, bb.phi[k]),
    psi: dihedralSeries(positions, D, nFrames, bb.psi[k]),
  })),
  comments: [`from ${dcd.split('/').pop()}: ${nFrames} frames, ${steps[0]} steps apart`, ...notes],
});
writeFileSync(out, out.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
process.stderr.write(`md-series: ${nFrames} frames, ${bb.phi.length} residues → ${out}\n`);
