/**
 * The baseline proxy: node:http in front of an undici Pool, streaming both ways, hop-by-hop headers dropped —
 * the least a proxy can do, with the same Pool settings Moat uses.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { reportCpuOnSignal } from './cpu-report.ts';

const upstream = new Pool(`http://127.0.0.1:${process.argv[2]}`, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);
const server = createServer(async (req, res) => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
  try {
    const r = await upstream.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'POST', headers, body: req });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k) && typeof v === 'string') out[k] = v;
    res.writeHead(r.statusCode, out);
    for await (const chunk of r.body) res.write(chunk);
    res.end();
  } catch {
    res.writeHead(502).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
reportCpuOnSignal();
process.on('SIGTERM', () => process.exit(0));
