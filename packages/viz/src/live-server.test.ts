import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { serveLive } from './live-server.js';
import { checkSvg, syntheticHistory, tmpDir } from './test-support/fixtures.js';

interface HistoryReply {
  records: Array<{ type: string; step?: number }>;
  next: number;
  generation: number;
}

test('serveLive binds to 127.0.0.1 and its history endpoint follows appended lines', async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'live <b>run</b>' }));
  const lines = syntheticHistory(30, 2).map((r) => JSON.stringify(r) + '\n');
  writeFileSync(join(dir, 'history.jsonl'), lines.slice(0, 10).join(''));
  const live = await serveLive(dir, { port: 0 });
  try {
    assert.match(live.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await (await fetch(live.url)).text();
    assert.ok(page.includes('live &lt;b&gt;run&lt;/b&gt;'), 'run name escaped in the page');
    let h = (await (await fetch(`${live.url}api/history?since=0`)).json()) as HistoryReply;
    assert.equal(h.records.length, 10);
    assert.equal(h.next, 10);
    // Append five lines and half of a sixth: only the complete ones show up.
    appendFileSync(join(dir, 'history.jsonl'), lines.slice(10, 15).join('') + lines[15]!.slice(0, 20));
    h = (await (
      await fetch(`${live.url}api/history?since=${h.next}&generation=${h.generation}`)
    ).json()) as HistoryReply;
    assert.deepEqual(
      h.records,
      lines.slice(10, 15).map((l) => JSON.parse(l)),
    );
    assert.equal(h.next, 15);
    appendFileSync(join(dir, 'history.jsonl'), lines[15]!.slice(20));
    h = (await (await fetch(`${live.url}api/history?since=15&generation=${h.generation}`)).json()) as HistoryReply;
    assert.deepEqual(h.records, [JSON.parse(lines[15]!)]);
    const svgRes = await fetch(`${live.url}api/curves.svg`);
    assert.equal(svgRes.headers.get('content-type'), 'image/svg+xml');
    const svg = await svgRes.text();
    assert.ok(checkSvg(svg).texts.includes('loss (kT)'));
    assert.equal((await fetch(`${live.url}nope`)).status, 404);
    assert.equal((await fetch(live.url, { method: 'POST' })).status, 405);
  } finally {
    await live.close();
  }
  await assert.rejects(fetch(`${live.url}api/history`), 'server closed');
});

test('serveLive works before history.jsonl exists', async () => {
  const dir = tmpDir();
  const live = await serveLive(dir);
  try {
    const h = (await (await fetch(`${live.url}api/history`)).json()) as HistoryReply;
    assert.deepEqual(h.records, []);
    const svg = await (await fetch(`${live.url}api/curves.svg`)).text();
    assert.ok(checkSvg(svg).texts.join(' ').includes('no training steps'));
  } finally {
    await live.close();
  }
});

/** GET `path` from the server with a given Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { hostname: u.hostname, port: u.port, path: '/api/history?since=0', headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('serveLive refuses requests whose Host header names another site (DNS rebinding)', async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'r' }));
  writeFileSync(join(dir, 'history.jsonl'), '');
  const live = await serveLive(dir, { port: 0 });
  try {
    const port = new URL(live.url).port;
    assert.equal(await getWithHost(live.url, `attacker.example:${port}`), 403);
    assert.equal(await getWithHost(live.url, `127.0.0.1:${Number(port) + 1}`), 403);
    assert.equal(await getWithHost(live.url, `127.0.0.1:${port}`), 200);
    assert.equal(await getWithHost(live.url, `localhost:${port}`), 200);
  } finally {
    await live.close();
  }
});
