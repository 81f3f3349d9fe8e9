/**
 * Test helper: a CliIO whose stdout and stderr are captured as text, for calling command functions in-process.
 */
import { PassThrough } from 'node:stream';
import type { CliIO } from './io.ts';

export function captureIO(json = false): CliIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, json, out: () => out, err: () => err };
}
