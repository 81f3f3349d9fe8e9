/**
 * What the admin commands (accounts, keys, ip, audit) share: the admin client built from the same configuration the
 * gateway runs with, the output streams, and the few flag parsers they all use. Tests inject the streams and a
 * clock; everything else goes through the real config file and the real admin API.
 */
import { userInfo } from 'node:os';
import type { Writable } from 'node:stream';
import type { Command, CommanderError } from 'commander';
import { AdminClient } from '../admin/client.ts';
import { loadConfig } from '../config/load.ts';
import { resolveSecrets } from '../config/secrets.ts';
import { type CliIO, ExitError, parseDuration } from './io.ts';

export interface AdminCommandDeps {
  /** Output streams (default: the process's); `json` comes from the global `--json` flag. */
  streams?: { stdout: Writable; stderr: Writable };
  /** Epoch milliseconds, for relative times such as `--since 1h`. */
  now?: () => number;
  /** `audit tail --follow`: poll interval and a way to stop (tests); the CLI stops on Ctrl-C. */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface AdminSession {
  io: CliIO;
  client: AdminClient;
  now: () => number;
}

/**
 * Creates a top-level command group whose usage errors (unknown option, missing argument) become ExitError(2) like
 * every other bad flag. Commander prints the help after the error; main.ts prints the message once.
 */
export function adminCommandGroup(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .configureOutput({ outputError: () => {} })
    .exitOverride((err: CommanderError) => {
      if (err.exitCode === 0 || err.code === 'commander.help' || err.code === 'commander.helpDisplayed') throw err;
      throw new ExitError(2, err.message.replace(/^error: /, ''), { cause: err });
    });
}

/** Builds the session for one command run from the program's global `--config` and `--json` flags. */
export function openAdminSession(program: Command, deps: AdminCommandDeps): AdminSession {
  const globals = program.opts<{ config?: string; json?: boolean }>();
  const streams = deps.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const io: CliIO = { ...streams, json: globals.json === true };
  const config = loadConfig({ file: globals.config });
  const { adminToken } = resolveSecrets(config);
  // A wildcard listen address is not a destination; the server is reachable on loopback.
  const host = config.admin.host === '0.0.0.0' ? '127.0.0.1' : config.admin.host === '::' ? '::1' : config.admin.host;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}`;
  return { io, client: new AdminClient({ baseUrl, token: adminToken, actor: cliActor() }), now: deps.now ?? Date.now };
}

/** `cli:<login>` so admin audit rows say who ran the command; falls back to `cli` when the login is unusable. */
function cliActor(): string {
  try {
    const name = userInfo().username.replace(/[^A-Za-z0-9._@:+-]/g, '');
    return name ? `cli:${name}`.slice(0, 64) : 'cli';
  } catch {
    return 'cli';
  }
}

/** A duration flag in whole seconds (the admin API's unit); `0` needs no unit when `minSeconds` is 0. */
export function durationSeconds(flag: string, text: string, minSeconds = 1): number {
  let ms: number;
  try {
    ms = text.trim() === '0' ? 0 : parseDuration(text);
  } catch {
    throw new ExitError(2, `invalid ${flag} '${text}': use a number and a unit, e.g. 30s, 15m, 12h, 7d`);
  }
  const seconds = Math.floor(ms / 1000);
  if (seconds < minSeconds) throw new ExitError(2, `${flag} must be at least ${minSeconds}s, got '${text}'`);
  return seconds;
}

/** A point in time: a duration ago (`1h`), an ISO-8601 date, or epoch milliseconds. */
export function pointInTime(flag: string, text: string, now: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d+(\.\d+)?(ms|s|m|h|d|w)$/.test(text)) return now - parseDuration(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ExitError(2, `invalid ${flag} '${text}': use a duration ago (e.g. 1h, 7d), an ISO date (2026-01-31T12:00:00Z) or epoch milliseconds`);
  return ms;
}

/** One of `choices`, or ExitError(2) naming them. */
export function oneOf<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new ExitError(2, `${flag} must be one of ${choices.join(', ')}, got '${text}'`);
}

/** `2026-01-15 12:00:00Z`, or `never` for null. */
export function formatTime(ms: number | null): string {
  if (ms === null) return 'never';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
