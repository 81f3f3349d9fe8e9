/**
 * A typed client for the admin API, used by the CLI (and usable by scripts and the dashboard). Every failure becomes
 * an `AdminApiError` — carrying an exit code, the API's own message plus what to do next — so a CLI command can
 * let it propagate and main.ts prints it.
 */
import type { ActionLevel } from '../detect/types.ts';
import type { AccountDetectionView, ClusterView } from '../detect/views.ts';
import type { AuditQuery } from '../store/interfaces.ts';
import type { Account, AccountStatus, AdminAuditRecord, Ban, IpRule, IpRuleAction, LimitOverrides, Metadata, Page, RequestAuditRecord } from '../store/types.ts';
import type { IssuedKeyView } from './keys.ts';
import { ADMIN_PREFIX } from './server.ts';
import type { KeyView } from './views.ts';

/** Exit codes from sysexits.h, so scripts can tell "not running" from "refused" from "bad request". */
export const EXIT_UNAVAILABLE = 69;
export const EXIT_NOPERM = 77;
export const EXIT_API_ERROR = 1;

export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    /** The sysexits code the CLI exits with (main.ts honours any error carrying one). */
    readonly exitCode: number,
    message: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** Error code from the catalogue, e.g. `not_found`; `unreachable` when there was no answer. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AdminClientOptions {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:8081` (the `/admin/v1` prefix is added). */
  baseUrl: string;
  token: string;
  /** Recorded as the actor of every change (`x-moat-actor`). */
  actor?: string;
  timeoutMs?: number;
}

export interface AccountDetails {
  account: Account;
  keys: KeyView[];
  ban: Ban | null;
}
export type RotatedKey = IssuedKeyView & { replaces: { id: string; prefix: string; expiresAt: number } };
export type StoredRequestAudit = RequestAuditRecord & { id: number };
export type IpRuleView = IpRule & { expired: boolean };

type Query = Record<string, string | number | boolean | undefined>;

/**
 * @example
 * const client = new AdminClient({ baseUrl: 'http://127.0.0.1:8081', token });
 * const { account, key } = await client.createAccount({ name: 'Acme' });
 */
export class AdminClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions) {
    this.#base = `${options.baseUrl.replace(/\/+$/, '')}${ADMIN_PREFIX}`;
    this.#headers = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (options.actor) this.#headers['x-moat-actor'] = options.actor;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  health = () => this.#call<{ ok: boolean }>('GET', '/health');

  createAccount = (input: { name: string; metadata?: Metadata; limits?: LimitOverrides; allowedModels?: string[] | null; keyName?: string; keyExpiresIn?: number }) =>
    this.#call<{ account: Account; key: IssuedKeyView }>('POST', '/accounts', input);
  listAccounts = (query: { limit?: number; cursor?: string; status?: AccountStatus } = {}) => this.#call<Page<Account>>('GET', '/accounts', undefined, query);
  getAccount = (id: string) => this.#call<AccountDetails>('GET', `/accounts/${enc(id)}`);
  updateAccount = (id: string, patch: Record<string, unknown>) => this.#call<{ account: Account }>('PATCH', `/accounts/${enc(id)}`, patch);

  banAccount = (id: string, input: { reason: string; expiresIn?: number; expiresAt?: number | string }) => this.#call<{ ban: Ban }>('POST', `/accounts/${enc(id)}/ban`, input);
  unbanAccount = (id: string, input: { reason?: string } = {}) => this.#call<{ accountId: string; lifted: number }>('POST', `/accounts/${enc(id)}/unban`, input);
  listBans = (query: { accountId?: string; active?: boolean; limit?: number; cursor?: string } = {}) => this.#call<Page<Ban>>('GET', '/bans', undefined, query);

  createKey = (accountId: string, input: { name?: string; expiresIn?: number } = {}) => this.#call<IssuedKeyView>('POST', `/accounts/${enc(accountId)}/keys`, input);
  listKeys = (accountId: string) => this.#call<{ items: KeyView[] }>('GET', `/accounts/${enc(accountId)}/keys`);
  revokeKey = (id: string) => this.#call<{ key: KeyView }>('POST', `/keys/${enc(id)}/revoke`, {});
  rotateKey = (id: string, input: { graceSeconds?: number } = {}) => this.#call<RotatedKey>('POST', `/keys/${enc(id)}/rotate`, input);

  addIpRule = (input: { cidr: string; action: IpRuleAction; reason: string; expiresIn?: number }) => this.#call<{ rule: IpRule }>('POST', '/ip-rules', input);
  listIpRules = () => this.#call<{ items: IpRuleView[] }>('GET', '/ip-rules');
  removeIpRule = (idOrCidr: string) => this.#call<{ removed: number; target: string }>('DELETE', `/ip-rules/${enc(idOrCidr)}`);

  queryAudit = (query: Partial<AuditQuery> = {}) => this.#call<Page<StoredRequestAudit>>('GET', '/audit', undefined, query);
  detectAccount = (id: string, query: { history?: number } = {}) => this.#call<AccountDetectionView>('GET', `/detect/accounts/${enc(id)}`, undefined, query);
  detectClusters = () => this.#call<{ items: ClusterView[] }>('GET', '/detect/clusters');
  clearDetectionAction = (id: string, input: { reason?: string } = {}) =>
    this.#call<{ accountId: string; previous: ActionLevel; unbanned: number }>('DELETE', `/detect/accounts/${enc(id)}/action`, input);

  adminActions = (query: { actor?: string; action?: string; limit?: number; cursor?: string } = {}) => this.#call<Page<AdminAuditRecord>>('GET', '/admin-actions', undefined, query);

  async #call<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const url = `${this.#base}${path}${search.size > 0 ? `?${search}` : ''}`;
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      throw unreachable(this.#base, err);
    }
    const text = await res.text();
    const parsed = parseBody(text);
    if (res.ok) return parsed as T;
    throw apiError(res.status, parsed, text);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function parseBody(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unreachable(base: string, err: unknown): AdminApiError {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const why = timedOut ? 'did not answer in time' : `cannot be reached (${describeCause(err)})`;
  return new AdminApiError(
    EXIT_UNAVAILABLE,
    `the admin API at ${base} ${why}: is the gateway running? start it with \`moat up\` (or \`moat gateway --config FILE\`), and pass the same --config here`,
    0,
    'unreachable',
    { cause: err },
  );
}

function describeCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  return code || (cause instanceof Error ? cause.message : String(cause));
}

function apiError(status: number, parsed: unknown, text: string): AdminApiError {
  const envelope = (parsed as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
  const message = typeof envelope?.message === 'string' ? envelope.message : `HTTP ${status}: ${text.slice(0, 200) || 'no body'}`;
  const code = typeof envelope?.code === 'string' ? envelope.code : 'unknown';
  if (status === 401) {
    return new AdminApiError(EXIT_NOPERM, `${message}: the CLI sends admin.token (or MOAT_ADMIN_TOKEN, or adminToken from <dataDir>/secrets.json); use the same --config and data directory as the running gateway`, status, code);
  }
  if (status >= 500) return new AdminApiError(EXIT_API_ERROR, `${message} (HTTP ${status}; see the gateway log for details)`, status, code);
  return new AdminApiError(EXIT_API_ERROR, message, status, code);
}
