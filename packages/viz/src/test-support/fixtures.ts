/**
 * Test fixtures: synthetic run directories (a 2-D double well and alanine dipeptide) and a small
 * PNG decoder, so tests can check that images are not blank without an image library.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import type { HistoryRecord, MoleculeTopology, SampleSet } from '../types.js';
import type { ReportData } from '../report.js';

/** Seeded normal deviates (Box–Muller on a Park–Miller generator): fixtures are deterministic. */
export function makeRng(seed = 7): { uniform(): number; normal(): number } {
  let s = seed;
  const uniform = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) };
}

/** The repository root: the first folder above this file that holds nx.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (no nx.json above the test file)');
    dir = up;
  }
}

/** The shared data folder (EMBEDCG_SHARED or <repoRoot>/../shared). */
export function sharedDir(): string {
  return process.env['EMBEDCG_SHARED'] ?? join(repoRoot(), '..', 'shared');
}

/** A fresh temporary folder. */
export function tmpDir(prefix = 'embedcg-viz-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A synthetic training history: tempering over `levels` levels, ESS per step and per level. */
export function syntheticHistory(steps = 400, levels = 4, seed = 3): HistoryRecord[] {
  const rng = makeRng(seed);
  const out: HistoryRecord[] = [];
  let evals = 0;
  const perLevel = Math.ceil(steps / levels);
  for (let s = 0; s < steps; s++) {
    const level = Math.floor(s / perLevel);
    const betaFraction = (level + 1) / levels;
    evals += 128;
    out.push({
      type: 'step',
      step: s,
      level,
      beta: 0.4 * betaFraction,
      betaFraction,
      loss: 8 * Math.exp(-s / 120) + 0.3 * rng.normal(),
      energyEvaluations: evals,
      wallSeconds: 0.05 * s,
      ess: 0.4 + 0.2 * rng.uniform(),
    });
    if ((s + 1) % perLevel === 0 || s === steps - 1)
      out.push({
        type: 'level',
        level,
        beta: 0.4 * betaFraction,
        ess: 0.5,
        energyEvaluations: evals,
        wallSeconds: 0.05 * s,
      });
  }
  return out;
}

/** Double-well potential in kJ/mol: wells at x = ±1, harmonic in y. */
export const doubleWell = (x: number, y: number): number => 5 * (x * x - 1) ** 2 + 4 * y * y;

/** Write config/metrics/history of a 2-D double-well run and return report data with samples. */
export function makeDoubleWellRun(dir: string, name = 'double-well test', n = 4000): ReportData {
  const beta = 1;
  const history = syntheticHistory();
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ name, system: 'double-well', beta, training: { steps: 400 } }, null, 2),
  );
  writeFileSync(
    join(dir, 'metrics.json'),
    JSON.stringify({
      kl: 0.031,
      logZ: -1.234,
      logZExact: -1.25,
      ess: 0.61,
      minorModeMass: 0.31,
      energyEvaluations: 51200,
      wallSeconds: 20.5,
      note: 'synthetic',
    }),
  );
  writeFileSync(join(dir, 'history.jsonl'), history.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const rng = makeRng(11);
  const positions = new Float64Array(2 * n);
  const logw = new Float64Array(n);
  const energies = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // A Gaussian-mixture "model": wrong weights on the wells, which reweighting should fix.
    const right = rng.uniform() < 0.7;
    const x = (right ? 1 : -1) + 0.3 * rng.normal();
    const y = 0.35 * rng.normal();
    positions[2 * i] = x;
    positions[2 * i + 1] = y;
    energies[i] = doubleWell(x, y);
    const qx = 0.7 * Math.exp(-((x - 1) ** 2) / 0.18) + 0.3 * Math.exp(-((x + 1) ** 2) / 0.18);
    const logq =
      Math.log(qx / Math.sqrt(0.18 * Math.PI)) - (y * y) / (2 * 0.35 ** 2) - Math.log(0.35 * Math.sqrt(2 * Math.PI));
    logw[i] = -beta * energies[i]! - logq;
  }
  const samples: SampleSet = { positions, n, dimension: 2, logw, energies, beta };
  return { samples, beta, potential: { energy: doubleWell, xRange: [-2, 2], yRange: [-1.5, 1.5] } };
}

/** Atoms (nm) and bonds of alanine dipeptide read from the shared PDB; bonds by distance. */
export function alanineTopology(): { topology: MoleculeTopology; positions: Float64Array } {
  const file = join(sharedDir(), 'data', 'alanine-dipeptide', 'alanine-dipeptide-implicit.pdb');
  const atoms: MoleculeTopology['atoms'][number][] = [];
  const xyz: number[] = [];
  let lastRes = '';
  let resIndex = -1;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('ATOM') && !line.startsWith('HETATM')) continue;
    const name = line.slice(12, 16).trim();
    const resKey = line.slice(17, 26);
    if (resKey !== lastRes) {
      resIndex++;
      lastRes = resKey;
    }
    const element = name.replace(/^[0-9]+/, '')[0]!;
    atoms.push({
      name,
      element,
      mass: element === 'H' ? 1.008 : 12,
      residueName: line.slice(17, 20).trim(),
      residueIndex: resIndex,
    });
    xyz.push(Number(line.slice(30, 38)) / 10, Number(line.slice(38, 46)) / 10, Number(line.slice(46, 54)) / 10);
  }
  const bonds: Array<[number, number]> = [];
  for (let i = 0; i < atoms.length; i++) {
    for (let j = i + 1; j < atoms.length; j++) {
      const d = Math.hypot(
        xyz[3 * i]! - xyz[3 * j]!,
        xyz[3 * i + 1]! - xyz[3 * j + 1]!,
        xyz[3 * i + 2]! - xyz[3 * j + 2]!,
      );
      const hydrogen = atoms[i]!.element === 'H' || atoms[j]!.element === 'H';
      if (d < (hydrogen ? 0.12 : 0.17)) bonds.push([i, j]);
    }
  }
  return { topology: { atoms, bonds }, positions: Float64Array.from(xyz) };
}

/** Report data of a molecule: jittered copies of the PDB structure, dihedrals, latent CVs. */
export function makeAlanineRun(dir: string, name = 'alanine test', n = 300): ReportData {
  const { topology, positions: x0 } = alanineTopology();
  const d = x0.length;
  const rng = makeRng(5);
  const positions = new Float64Array(n * d);
  const energies = new Float64Array(n);
  const logw = new Float64Array(n);
  const latent = new Float64Array(2 * n);
  const phi = new Float64Array(n);
  const psi = new Float64Array(n);
  const deg = Math.PI / 180;
  for (let i = 0; i < n; i++) {
    const amp = 0.004 + (0.01 * (i % 10)) / 10;
    for (let k = 0; k < d; k++) positions[i * d + k] = x0[k]! + amp * rng.normal();
    energies[i] = -60 + 5 * rng.normal();
    logw[i] = 0.5 * rng.normal();
    const alpha = rng.uniform() < 0.4;
    phi[i] = (-75 + 15 * rng.normal()) * deg;
    psi[i] = (alpha ? -40 : 150) * deg + 15 * deg * rng.normal();
    latent[2 * i] = (alpha ? 1 : -1) + 0.3 * rng.normal();
    latent[2 * i + 1] = 0.3 * rng.normal();
  }
  const refPhi = Float64Array.from({ length: n }, () => (-75 + 15 * rng.normal()) * deg);
  const refPsi = Float64Array.from({ length: n }, (_, i) => ((i % 2 ? -40 : 150) + 15 * rng.normal()) * deg);
  const history = syntheticHistory(200, 3, 9);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ name, system: 'alanine-dipeptide', temperature: 300 }, null, 2),
  );
  writeFileSync(join(dir, 'history.jsonl'), history.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const beta = 1 / (0.0083144626 * 300);
  return {
    samples: { positions, n, dimension: d, energies, beta, logw, latent, latentDim: 2 },
    topology,
    beta,
    dihedrals: { model: { phi, psi }, reference: { phi: refPhi, psi: refPsi } },
    reference: {
      positions: new Float64Array(0),
      n: 0,
      dimension: d,
      energies: Float64Array.from({ length: n }, () => -62 + 4 * rng.normal()),
      beta,
    },
  };
}

/** A decoded PNG: RGBA bytes, row-major. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the buffer starts with the 8-byte PNG signature. */
export function hasPngSignature(buf: Buffer): boolean {
  return buf.length > 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** Decode an 8-bit, non-interlaced RGB/RGBA/grey PNG (what resvg and Chromium write). */
export function decodePng(buf: Buffer): DecodedPng {
  if (!hasPngSignature(buf)) throw new Error('not a PNG (bad signature)');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8]!;
      colorType = data[9]!;
      if (bitDepth !== 8 || data[12] !== 0) throw new Error(`PNG: unsupported bit depth ${bitDepth} or interlace`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`PNG: unsupported colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const b = y > 0 ? pixels[row - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[row + x] = (src[x]! + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = pixels.subarray(i * channels, (i + 1) * channels);
    const [r, g, b] = channels >= 3 ? [p[0]!, p[1]!, p[2]!] : [p[0]!, p[0]!, p[0]!];
    rgba.set([r, g, b, channels === 4 ? p[3]! : channels === 2 ? p[1]! : 255], i * 4);
  }
  return { width, height, rgba };
}

/** Variance of the luminance and the fraction of pixels that are not near-white. */
export function imageStats(img: DecodedPng): { variance: number; inkFraction: number } {
  const n = img.width * img.height;
  let sum = 0;
  let sum2 = 0;
  let ink = 0;
  for (let i = 0; i < n; i++) {
    const l = 0.299 * img.rgba[4 * i]! + 0.587 * img.rgba[4 * i + 1]! + 0.114 * img.rgba[4 * i + 2]!;
    sum += l;
    sum2 += l * l;
    if (l < 235) ink++;
  }
  const mean = sum / n;
  return { variance: sum2 / n - mean * mean, inkFraction: ink / n };
}

/**
 * Check that an SVG string is one well-formed <svg> element with positive width and height;
 * returns its size and how many elements and text nodes it holds.
 */
export function checkSvg(svg: string): { width: number; height: number; elements: number; texts: string[] } {
  const root = /^<svg\b[^>]*>/.exec(svg);
  if (!root) throw new Error(`SVG does not start with <svg: ${svg.slice(0, 40)}`);
  const width = Number(/\swidth="([\d.]+)"/.exec(root[0])?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root[0])?.[1]);
  if (!(width > 0 && height > 0)) throw new Error(`SVG root has no positive width/height: ${root[0]}`);
  const stack: string[] = [];
  let elements = 0;
  const texts: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = tag.exec(svg)) !== null) {
    if (m.index !== consumed)
      throw new Error(`SVG: unexpected text at ${consumed}: ${svg.slice(consumed, consumed + 30)}`);
    consumed = tag.lastIndex;
    if (m[5] !== undefined) {
      if (stack[stack.length - 1] === 'text' || stack[stack.length - 1] === 'tspan') texts.push(m[5]);
      continue;
    }
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`SVG: </${name}> closes <${open}>`);
    } else {
      elements++;
      if (!selfClose) stack.push(name!);
    }
  }
  if (consumed !== svg.length) throw new Error(`SVG: trailing garbage at ${consumed}`);
  if (stack.length) throw new Error(`SVG: unclosed <${stack.join('>, <')}>`);
  return { width, height, elements, texts };
}

/** Chromium for the browser tests (EMBEDCG_CHROMIUM overrides); they skip without it unless EMBEDCG_REQUIRE_BROWSER=1. */
export const CHROMIUM = process.env['EMBEDCG_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Software WebGL (SwiftShader) for the 3-D viewer on machines without a GPU.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Reason to skip browser tests, or undefined when Chromium is available. Throws when it is required. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env['EMBEDCG_REQUIRE_BROWSER'] === '1')
    throw new Error(`EMBEDCG_REQUIRE_BROWSER=1 but ${CHROMIUM} does not exist`);
  return `Chromium not available at ${CHROMIUM}`;
}
