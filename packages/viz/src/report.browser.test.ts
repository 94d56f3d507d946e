/**
 * The report and the live view in a real browser: headless Chromium through playwright-core.
 * Skips when Chromium is missing, unless EMBEDCG_REQUIRE_BROWSER=1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { writeReport } from './report.js';
import { serveLive } from './live-server.js';
import {
  browserSkipReason,
  CHROMIUM,
  CHROMIUM_ARGS,
  decodePng,
  imageStats,
  makeAlanineRun,
  makeDoubleWellRun,
  syntheticHistory,
  tmpDir,
} from './test-support/fixtures.js';

const skip = browserSkipReason();
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

/** A page that records console errors, page errors, dialogs and every request it makes. */
async function watchedPage(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'no reason given'})`),
  );
  return { page, problems, requests };
}

test('2-D report from file://: no errors, every plot image loaded, config name shown as text', { skip }, async () => {
  const dir = tmpDir();
  const evil = `dw <script>window.__xss = 1; alert(1)</script><img src=x onerror="window.__xss = 2">`;
  const report = await writeReport(dir, makeDoubleWellRun(dir, evil));
  const { page, problems, requests } = await watchedPage();
  await page.goto(pathToFileURL(report.index).href, { waitUntil: 'load' });
  const images = await page.$$eval('img.plot', (imgs) =>
    imgs.map((i) => ({
      complete: (i as HTMLImageElement).complete,
      w: (i as HTMLImageElement).naturalWidth,
      h: (i as HTMLImageElement).naturalHeight,
    })),
  );
  assert.equal(images.length, 5);
  for (const im of images) assert.ok(im.complete && im.w > 100 && im.h > 100, JSON.stringify(im));
  assert.equal(await page.textContent('#run-name'), evil);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  assert.ok((await page.textContent('#config'))!.includes(JSON.stringify(evil)), 'config shows the name as JSON text');
  assert.deepEqual(problems, []);
  for (const url of requests) assert.match(url, /^(file|data):/, `network request ${url}`);
  assert.equal(await page.$('#viewer'), null, 'no 3-D viewer for a 2-D system');
  await page.close();
});

test('molecule report: the 3-D viewer draws, the slider and Play change frames', { skip }, async () => {
  const dir = tmpDir();
  const report = await writeReport(dir, { ...makeAlanineRun(dir, 'ala <script>alert(1)</script>'), maxFrames: 20 });
  const { page, problems, requests } = await watchedPage();
  await page.goto(pathToFileURL(report.index).href, { waitUntil: 'load' });
  await page.waitForFunction(
    () => (window as unknown as { embedcgViewer?: unknown }).embedcgViewer !== undefined,
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page.textContent('#viewer-status'), '');
  const shot0 = decodePng(await page.locator('#viewer').screenshot());
  const stats = imageStats(shot0);
  assert.ok(stats.variance > 200, `viewer looks blank: luminance variance ${stats.variance}`);
  assert.ok(stats.inkFraction > 0.01 && stats.inkFraction < 0.9, `ink fraction ${stats.inkFraction}`);
  assert.match((await page.textContent('#frame-label'))!, /^frame 1 \/ 20 \(sample 0\), βU = -?\d+\.\d kT$/);

  await page.locator('#frame-slider').fill('19');
  assert.match((await page.textContent('#frame-label'))!, /^frame 20 \/ 20/);
  const shot19 = decodePng(await page.locator('#viewer').screenshot());
  let differing = 0;
  for (let k = 0; k < shot0.rgba.length; k += 4) if (shot0.rgba[k] !== shot19.rgba[k]) differing++;
  assert.ok(differing > 50, `frame 20 looks like frame 1 (${differing} pixels differ)`);

  await page.click('#frame-play');
  await page.waitForFunction(
    () => (window as unknown as { embedcgViewer: { current(): number } }).embedcgViewer.current() !== 19,
    null,
    { timeout: 5000 },
  );
  assert.equal(await page.textContent('#frame-play'), 'Pause');
  await page.click('#frame-play');
  assert.deepEqual(problems, []);
  for (const url of requests) assert.match(url, /^(file|data):/, `network request ${url}`);
  await page.close();
});

test('live view in the browser redraws when history.jsonl grows', { skip }, async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'live run' }));
  const lines = syntheticHistory(40, 2)
    .filter((r) => r.type === 'step')
    .map((r) => JSON.stringify(r) + '\n');
  writeFileSync(join(dir, 'history.jsonl'), lines.slice(0, 5).join(''));
  const live = await serveLive(dir, { pollMs: 200 });
  try {
    const { page, problems } = await watchedPage();
    await page.goto(live.url);
    await page.waitForFunction(() => document.querySelector('#latest td')?.textContent === '4', null, {
      timeout: 10_000,
    });
    appendFileSync(join(dir, 'history.jsonl'), lines.slice(5, 30).join(''));
    await page.waitForFunction(() => document.querySelector('#latest td')?.textContent === '29', null, {
      timeout: 10_000,
    });
    await page.waitForFunction(
      () => {
        const img = document.getElementById('curves') as HTMLImageElement;
        return img.complete && img.naturalWidth > 0 && img.src.includes('n=30');
      },
      null,
      { timeout: 10_000 },
    );
    // The page replaces the curves image as the history grows; the browser aborts a request still
    // in flight for an older one. That is not a failure of the view (the newest image loaded above).
    const superseded =
      /^request failed: http:\/\/127\.0\.0\.1:\d+\/api\/curves\.svg\?n=(\d+)&g=\d+ \(net::ERR_ABORTED\)$/;
    assert.deepEqual(
      problems.filter((p) => !(superseded.test(p) && Number(superseded.exec(p)![1]) < 30)),
      [],
    );
    await page.close();
  } finally {
    await live.close();
  }
});
