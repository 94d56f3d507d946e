import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder } from './protocol.js';

test('frames round-trip through arbitrary chunking, arrays bit-exact', () => {
  const a = Float64Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 1e3 + i * 1e-12);
  const b = new Float64Array([Infinity, -0, Number.MIN_VALUE, NaN]);
  // An unaligned view: the encoder must honour byteOffset.
  const c = new Float64Array(a.buffer, 8 * 3, 5);
  const bytes = Buffer.concat([
    ...encodeFrame({ id: 1, cmd: 'evaluate', n: 3 }, { a, b, c }),
    ...encodeFrame({ id: 2, ok: true }),
    ...encodeFrame({ id: 3, text: 'é' }, { a: new Float64Array(0) }),
  ]);
  for (const step of [1, 7, 13, 4096, bytes.length]) {
    const dec = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < bytes.length; i += step) frames.push(...dec.push(bytes.subarray(i, i + step)));
    assert.equal(frames.length, 3, `chunk ${step}`);
    assert.deepEqual(frames[0]!.header, { id: 1, cmd: 'evaluate', n: 3 });
    assert.deepEqual(Array.from(frames[0]!.arrays.a!), Array.from(a));
    assert.ok(Object.is(frames[0]!.arrays.b![1], -0));
    assert.ok(Number.isNaN(frames[0]!.arrays.b![3]));
    assert.equal(frames[0]!.arrays.b![2], Number.MIN_VALUE);
    assert.deepEqual(Array.from(frames[0]!.arrays.c!), Array.from(a.subarray(3, 8)));
    assert.deepEqual(frames[1]!.header, { id: 2, ok: true });
    assert.equal(frames[2]!.header.text, 'é');
    assert.equal(frames[2]!.arrays.a!.length, 0);
  }
});

test('a stray line on stdout is reported, not parsed', () => {
  const dec = new FrameDecoder();
  assert.throws(() => dec.push(Buffer.from('Hello from OpenMM\n')), /not a frame/);
});
