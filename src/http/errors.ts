/**
 * The one error catalogue. Every refusal anywhere in Moat (gateway, admin API, model server) is a `MoatError`
 * carrying a code from this list; `codeToStatus` is the only place codes become HTTP statuses, and
 * `errorBody` the only place the OpenAI-shaped envelope `{error:{message,type,code,param}}` is built.
 */
export const ERROR_CODES = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  ip_blocked: { status: 403, type: 'permission_error' },
  account_banned: { status: 403, type: 'permission_error' },
  account_suspended: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  /** A request feature withheld from an account by a detection action (degrade). */
  detection_restricted: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  concurrency_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  daily_quota_exceeded: { status: 429, type: 'rate_limit_error' },
  server_overloaded: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'server_error' },
  limit_store_unavailable: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface MoatErrorOptions {
  /** The request field at fault, reported as OpenAI's `param`. */
  param?: string;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class MoatError extends Error {
  override readonly name = 'MoatError';
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: MoatErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.param = options.param;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return codeToStatus(this.code);
  }
}

export function codeToStatus(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export interface ErrorBody {
  error: { message: string; type: string; code: ErrorCode; param: string | null; request_id?: string };
}

export function errorBody(err: MoatError, requestId?: string): ErrorBody {
  return {
    error: {
      message: err.message,
      type: ERROR_CODES[err.code].type,
      code: err.code,
      param: err.param ?? null,
      ...(requestId ? { request_id: requestId } : {}),
    },
  };
}

/** Anything thrown that is not a MoatError is an internal error; its message is not shown to clients. */
export function toMoatError(err: unknown): MoatError {
  if (err instanceof MoatError) return err;
  return new MoatError('internal_error', 'internal error', { cause: err });
}
