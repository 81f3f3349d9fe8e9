/**
 * Reads the configuration once: a YAML file (path from `--config` or `MOAT_CONFIG`), then the few environment
 * overrides, then programmatic overrides (CLI flags, tests), parsed by ConfigSchema. Every problem is reported at
 * once with its path, and the result is deep-frozen so no module can change it behind another's back.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Config, type ConfigInput, ConfigSchema } from './schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** YAML file; when absent, `MOAT_CONFIG` from `env`, else defaults only. */
  file?: string;
  /** Environment to read (defaults to `process.env`; this is the only module that touches it). */
  env?: NodeJS.ProcessEnv;
  /** Applied last, shallow per top-level section. */
  overrides?: ConfigInput;
}

/** Environment variables Moat reads, and where each lands. */
const ENV_KEYS = {
  MOAT_DATA_DIR: ['dataDir'],
  MOAT_ADMIN_TOKEN: ['admin', 'token'],
  MOAT_SECRET: ['secret'],
  MOAT_LOG_LEVEL: ['log', 'level'],
} as const;

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.MOAT_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) raw = readYaml(file);
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  if (options.overrides) raw = mergeSections(raw, options.overrides as Record<string, unknown>);
  return parseConfig(raw, file ?? 'configuration');
}

/** Validates an already-built object (tests and `loadConfig`). */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(source, result.error));
  return deepFreeze(result.data);
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  return doc as Record<string, unknown>;
}

export function formatIssues(source: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  - ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  return `invalid ${source}:\n${lines.join('\n')}`;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function mergeSections(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    const bothObjects = isPlainObject(prev) && isPlainObject(value);
    out[key] = bothObjects ? { ...(prev as object), ...(value as object) } : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
