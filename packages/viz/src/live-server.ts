import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HistoryTail } from './history-tail.js';
import { RUN_FILES } from './run-layout.js';
import { livePageHtml } from './live-page.js';
import { trainingCurves } from './plots/training-curves.js';

/** Options of {@link serveLive}. */
export interface LiveOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default '127.0.0.1' (loopback only: the page shows the run's config). */
  host?: string;
  /** How often the page polls, ms. Default 2000. */
  pollMs?: number;
}

/** A running live view. */
export interface LiveServer {
  /** http://host:port/ of the page. */
  url: string;
  /** Stop accepting connections and close open ones. */
  close(): Promise<void>;
}

function runName(runDir: string): string {
  try {
    const cfg = JSON.parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8')) as { name?: unknown };
    return typeof cfg.name === 'string' ? cfg.name : runDir;
  } catch {
    return runDir;
  }
}

/** The Host headers a browser sends for this server: its address, and localhost for loopback. */
export function hostHeadersFor(shownHost: string, port: number): Set<string> {
  const names = [shownHost.toLowerCase()];
  if (/^(127\.|\[::1\]$)/.test(shownHost)) names.push('localhost', '127.0.0.1', '[::1]');
  return new Set(names.map((n) => `${n}:${port}`));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/**
 * Serve a page that follows a training run: it polls `api/history?since=N` (records of
 * history.jsonl from index N on, as JSON `{records, next, generation}`) and redraws the
 * training curves from `api/curves.svg`. Binds to loopback unless told otherwise.
 */
export async function serveLive(runDir: string, options: LiveOptions = {}): Promise<LiveServer> {
  const host = options.host ?? '127.0.0.1';
  const tail = new HistoryTail(join(runDir, RUN_FILES.history));
  const pollMs = options.pollMs ?? 2000;
  let svgCache: { key: string; svg: string } | undefined;

  let allowedHosts: Set<string> = new Set();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A page on another site can point a name it controls at 127.0.0.1 (DNS rebinding) and read
    // this server as its own origin; its requests still carry that name, so only our own is served.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      return send(res, 403, 'text/plain', 'embedcg live view: unexpected Host header');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET');
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return send(res, 200, 'text/html; charset=utf-8', livePageHtml(runName(runDir), pollMs));
      case '/api/history': {
        await tail.poll();
        const clientGeneration = Number(url.searchParams.get('generation') ?? tail.generation);
        const since =
          clientGeneration === tail.generation
            ? Math.max(0, Math.floor(Number(url.searchParams.get('since') ?? 0)) || 0)
            : 0;
        const body = { records: tail.records.slice(since), next: tail.records.length, generation: tail.generation };
        return send(res, 200, 'application/json', JSON.stringify(body));
      }
      case '/api/curves.svg': {
        await tail.poll();
        const key = `${tail.generation}:${tail.records.length}`;
        if (!svgCache || svgCache.key !== key) svgCache = { key, svg: await trainingCurves(tail.records) };
        return send(res, 200, 'image/svg+xml', svgCache.svg);
      }
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => send(res, 500, 'text/plain', `embedcg live view: ${e.message}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  allowedHosts = hostHeadersFor(shownHost, port);
  return {
    url: `http://${shownHost}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
