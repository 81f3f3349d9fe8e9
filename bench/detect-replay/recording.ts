/**
 * A recorded detection input stream: every `RequestEvent` the gateway published during one simulated run, one JSON
 * line each (gzip), preceded by one header line mapping each account to the simulator actor that drove it. The labels
 * sit beside the events for analysis only — the replay feeds the engine the events alone, exactly as the bus did.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import type { RequestEvent } from '../../src/detect/bus.ts';

export interface AccountLabel {
  /** 'benign' or 'attacker' (the simulator's actor kind). */
  kind: string;
  /** Benign persona (chat, developer, batch, researcher) or attacker strategy. */
  persona: string;
  actor: number;
}

export interface RecordingHeader {
  scenario: string;
  seed: number;
  shadow: boolean;
  accounts: Record<string, AccountLabel>;
}

/** Buffers events in memory during the run (the bus listener must stay cheap) and writes them once it is over. */
export class EventRecorder {
  readonly events: RequestEvent[] = [];

  readonly listener = (event: RequestEvent): void => {
    this.events.push(event);
  };

  async write(path: string, header: RecordingHeader): Promise<void> {
    const gzip: Gzip = createGzip();
    const out: WriteStream = createWriteStream(path);
    const done = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
    gzip.pipe(out);
    gzip.write(`${JSON.stringify(header)}\n`);
    for (const event of this.events) {
      if (!gzip.write(`${JSON.stringify(event)}\n`)) await new Promise((resolve) => gzip.once('drain', resolve));
    }
    gzip.end();
    await done;
  }
}

export async function readRecording(path: string): Promise<{ header: RecordingHeader; events: RequestEvent[] }> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  let header: RecordingHeader | null = null;
  const events: RequestEvent[] = [];
  for await (const line of lines) {
    if (!line) continue;
    if (header === null) header = JSON.parse(line) as RecordingHeader;
    else events.push(JSON.parse(line) as RequestEvent);
  }
  if (!header) throw new Error(`${path}: empty recording`);
  return { header, events };
}
