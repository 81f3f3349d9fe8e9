/**
 * What every CLI command shares: where it writes, how it fails, and how it shows long work. Commands are plain
 * async functions that throw `ExitError`; only main.ts turns that into an exit code.
 */
import type { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';

/** Commands lay out their tables with the shared formatter. */
export { table } from '../format/table.ts';

/**
 * Any error that knows which exit code it deserves. Domain modules (the simulator's scenario loader, the admin API
 * client) define their own error classes with an `exitCode` instead of importing the CLI; main.ts honours any of them.
 */
export interface ExitCoded extends Error {
  readonly exitCode: number;
}

export function hasExitCode(err: unknown): err is ExitCoded {
  return err instanceof Error && typeof (err as { exitCode?: unknown }).exitCode === 'number';
}

export class ExitError extends Error implements ExitCoded {
  override readonly name = 'ExitError';
  constructor(
    readonly exitCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /** `--json`: machine-readable output only. */
  json: boolean;
}

export function defaultIO(json = false): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, json };
}

/** Prints `value` as JSON under --json, else the human text (a string or table rows). */
export function output(io: CliIO, value: unknown, human: string | (() => string)): void {
  if (io.json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else io.stdout.write(`${typeof human === 'function' ? human() : human}\n`);
}


export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr for long work (training, harvesting). `format` may use {bar} {value} {total} {eta_formatted}
 * and any payload key. Silent under --json or when stderr is not a terminal, so logs and pipes stay clean.
 */
export function progress(io: CliIO, total: number, format: string): Progress {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  if (io.json || !tty) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format, stream: io.stderr as NodeJS.WriteStream, hideCursor: true, etaBuffer: 20 });
  bar.start(total, 0);
  return { update: (v, p) => bar.update(v, p), stop: () => bar.stop() };
}

/** Parses durations such as `30s`, `15m`, `12h`, `7d` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new ExitError(2, `invalid duration '${text}': use a number and a unit, e.g. 30s, 15m, 12h, 7d`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'ms'];
  return Math.round(Number(match[1]) * unit);
}

/** Parses a positive integer option, naming the flag on failure. */
export function parseCount(flag: string, text: string, min = 0): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ExitError(2, `${flag} must be a whole number ≥ ${min}, got '${text}'`);
  return n;
}
