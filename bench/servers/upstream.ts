/** Benchmark upstream: a fixed 247-byte OpenAI-style JSON answer, as in the reference proxy-overhead baseline. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportCpuOnSignal } from './cpu-report.ts';

const body = JSON.stringify({
  id: 'cmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Call me Ishmael.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 },
});
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
reportCpuOnSignal();
