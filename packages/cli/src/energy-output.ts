/**
 * What `embedcg energy` prints, written chunk by chunk with back-pressure so that neither the
 * output nor its text is ever held whole: 15,000 frames of 628 atoms with forces as one JSON string
 * failed with "Invalid string length". The JSON document is the same as one JSON.stringify of
 * {"frames": […]} would give; the table takes its column widths from the first chunk.
 */
import { once } from 'node:events';
import type { EnergyBatch } from '@embedcg/core';

/** Pieces of text are gathered up to this many characters (256 Ki) before a write. */
const WRITE_CHARS = 1 << 18;

/** Text to a stream, a piece at a time, waiting whenever the stream asks to. */
export class ChunkedWriter {
  private parts: string[] = [];
  private length = 0;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= WRITE_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.length = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}

/** Per-frame output of one evaluated chunk of frames. */
export interface EnergyChunk {
  start: number;
  count: number;
  batch: EnergyBatch;
}

/** Prints the energies of successive chunks, then closes the document. */
export interface EnergyPrinter {
  chunk(c: EnergyChunk): Promise<void>;
  end(): Promise<void>;
}

/** `{"frames":[{"energy","terms","forces"?}, …]}` and a newline, frame by frame. */
export function jsonPrinter(w: ChunkedWriter, dimension: number, forces: boolean): EnergyPrinter {
  let first = true;
  return {
    async chunk({ count, batch }) {
      if (first) await w.write('{"frames":[');
      const termNames = Object.keys(batch.terms ?? {});
      for (let f = 0; f < count; f++) {
        const e = batch.energies[f]!;
        const frame: Record<string, unknown> = {
          energy: Number.isFinite(e) ? e : String(e),
          terms: Object.fromEntries(termNames.map((t) => [t, batch.terms![t]![f]])),
        };
        if (forces) {
          const fr: number[][] = [];
          for (let a = 0; a < dimension / 3; a++) {
            const o = f * dimension + 3 * a;
            fr.push([batch.forces[o]!, batch.forces[o + 1]!, batch.forces[o + 2]!]);
          }
          frame.forces = fr;
        }
        await w.write((first ? '' : ',') + JSON.stringify(frame));
        first = false;
      }
    },
    async end() {
      await w.write(first ? '{"frames":[]}\n' : ']}\n');
      await w.flush();
    },
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The table: a title line, column names, then one row per frame; forces are only in the JSON. */
export function tablePrinter(w: ChunkedWriter, title: string, forces: boolean): EnergyPrinter {
  let widths: number[] | undefined;
  let cols: string[] = [];
  return {
    async chunk({ start, count, batch }) {
      const termNames = Object.keys(batch.terms ?? {});
      const rows = Array.from({ length: count }, (_, f) => [
        String(start + f),
        fmt(batch.energies[f]!),
        ...termNames.map((t) => fmt(batch.terms![t]![f]!)),
      ]);
      if (!widths) {
        cols = ['frame', 'energy', ...termNames];
        widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
        await w.write(`${title}\n${line(cols, widths)}\n${widths.map((n) => '-'.repeat(n)).join('  ')}\n`);
      }
      for (const r of rows) await w.write(line(r, widths) + '\n');
    },
    async end() {
      if (forces) await w.write('(forces are printed with --json)\n');
      await w.flush();
    },
  };
}

function line(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}
