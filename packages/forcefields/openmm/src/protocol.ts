/**
 * The frame protocol between Node and the Python OpenMM server.
 *
 * Frame = 12-byte header (ASCII "ECG1", uint32 LE JSON length, uint32 LE payload length), then the
 * UTF-8 JSON header, then the payload: little-endian float64 arrays back to back. The JSON header
 * lists them as `arrays: [[name, length], ...]`, so numbers in bulk never pass through JSON.
 */
import { endianness } from 'node:os';

const MAGIC = Buffer.from('ECG1', 'ascii');
const HEADER_BYTES = 12;

if (endianness() !== 'LE') throw new Error('@embedcg/forcefield-openmm: the frame protocol needs a little-endian host');

/** A decoded frame: its JSON header (without `arrays`) and its named Float64 arrays. */
export interface Frame {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- headers are JSON from the Python server
  header: Record<string, any>;
  arrays: Record<string, Float64Array>;
}

/** Encode one frame as a list of buffers (written in order; the arrays are not copied). */
export function encodeFrame(header: Record<string, unknown>, arrays: Record<string, Float64Array> = {}): Buffer[] {
  const listing: Array<[string, number]> = [];
  const parts: Buffer[] = [];
  let payloadBytes = 0;
  for (const [name, a] of Object.entries(arrays)) {
    listing.push([name, a.length]);
    parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    payloadBytes += a.byteLength;
  }
  const json = Buffer.from(JSON.stringify(listing.length ? { ...header, arrays: listing } : header), 'utf8');
  const head = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, 4);
  head.writeUInt32LE(payloadBytes, 8);
  return [head, json, ...parts];
}

/** Incremental decoder: feed it stdout chunks, get whole frames back. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) break;
      const head = this.peek(HEADER_BYTES);
      if (!head.subarray(0, 4).equals(MAGIC)) {
        throw new Error(
          `OpenMM server wrote something that is not a frame on stdout: ${JSON.stringify(head.toString('latin1'))}`,
        );
      }
      const jsonBytes = head.readUInt32LE(4);
      const payloadBytes = head.readUInt32LE(8);
      const total = HEADER_BYTES + jsonBytes + payloadBytes;
      if (this.buffered < total) break;
      const all = this.take(total);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
      const header = JSON.parse(all.toString('utf8', HEADER_BYTES, HEADER_BYTES + jsonBytes)) as Record<string, any>;
      const arrays: Record<string, Float64Array> = {};
      let offset = HEADER_BYTES + jsonBytes;
      for (const [name, length] of (header.arrays ?? []) as Array<[string, number]>) {
        // Copy into a fresh aligned buffer: Node buffers may start at any byte offset.
        const a = new Float64Array(length);
        all.copy(Buffer.from(a.buffer), 0, offset, offset + 8 * length);
        arrays[name] = a;
        offset += 8 * length;
      }
      delete header.arrays;
      frames.push({ header, arrays });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
