/**
 * Exact in-process limits: sliding 60-second windows (a log of request times and of token reservations, so "no more
 * than N in any 60 s" holds exactly, unlike fixed windows that allow 2N across a boundary), a UTC-day counter and
 * an in-flight counter per scope. Memory per scope is bounded by its own limits: at most `requestsPerMinute`
 * timestamps and one token entry per request in the window.
 */
import type { AcquireResult, Lease, LimitDimension, LimitRequest, LimitScope, LimitSnapshot, LimitStore } from './interface.ts';

const WINDOW_MS = 60_000;
const DAY_MS = 86_400_000;
/** Scopes idle this long (and holding nothing) are forgotten by the sweeper. */
const IDLE_MS = DAY_MS;
const NO_LIMITS = { requestsPerMinute: 0, tokensPerMinute: 0, requestsPerDay: 0, concurrentRequests: 0 };

interface TokenEntry {
  at: number;
  tokens: number;
  /** False once it left the window, so a late settle does not touch the running sum. */
  live: boolean;
}

class ScopeState {
  readonly requestTimes: number[] = [];
  requestHead = 0;
  readonly tokenLog: TokenEntry[] = [];
  tokenHead = 0;
  tokenSum = 0;
  day = -1;
  dayCount = 0;
  active = 0;
  lastSeen = 0;

  /** Drops everything that left the 60 s window and rolls the day counter. */
  advance(now: number): void {
    const cutoff = now - WINDOW_MS;
    while (this.requestHead < this.requestTimes.length && this.requestTimes[this.requestHead] <= cutoff) this.requestHead++;
    while (this.tokenHead < this.tokenLog.length && this.tokenLog[this.tokenHead].at <= cutoff) {
      const entry = this.tokenLog[this.tokenHead++];
      entry.live = false;
      this.tokenSum -= entry.tokens;
    }
    // Compact lazily so the arrays do not grow without bound; amortised O(1).
    if (this.requestHead > 1024 && this.requestHead * 2 > this.requestTimes.length) {
      this.requestTimes.splice(0, this.requestHead);
      this.requestHead = 0;
    }
    if (this.tokenHead > 1024 && this.tokenHead * 2 > this.tokenLog.length) {
      this.tokenLog.splice(0, this.tokenHead);
      this.tokenHead = 0;
    }
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayCount = 0;
    }
    this.lastSeen = now;
  }

  get requestsInWindow(): number {
    return this.requestTimes.length - this.requestHead;
  }

  /** Milliseconds until `needed` more tokens fit under `limit`. */
  tokensFreeInMs(needed: number, limit: number, now: number): number {
    let sum = this.tokenSum;
    for (let i = this.tokenHead; i < this.tokenLog.length; i++) {
      sum -= this.tokenLog[i].tokens;
      if (sum + needed <= limit) return this.tokenLog[i].at + WINDOW_MS - now;
    }
    return WINDOW_MS;
  }
}

interface MemoryLease extends Lease {
  readonly entries: TokenEntry[];
  readonly states: ScopeState[];
  released: boolean;
}

export class MemoryLimitStore implements LimitStore {
  /** One map per scope kind, keyed by the scope's own key: no `kind:key` string built (and hashed) per request. */
  readonly #scopes: Record<LimitScope['kind'], Map<string, ScopeState>> = { account: new Map(), ip: new Map(), subnet: new Map() };
  #nextLease = 1;
  readonly #sweeper: NodeJS.Timeout;

  constructor() {
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), 60_000);
    this.#sweeper.unref();
  }

  acquire(request: LimitRequest): AcquireResult {
    const { now, tokens } = request;
    const states = request.scopes.map((scope) => this.#state(scope, now));
    for (let i = 0; i < states.length; i++) {
      const refusal = check(request.scopes[i], states[i], tokens, now);
      if (refusal) return { ok: false, ...refusal, scope: request.scopes[i], snapshot: snapshot(request.scopes, states, now) };
    }
    // Every scope passed: record in all of them before anything else can run (no await between check and record).
    const entries: TokenEntry[] = [];
    for (const state of states) {
      state.requestTimes.push(now);
      state.dayCount++;
      state.active++;
      const entry: TokenEntry = { at: now, tokens, live: true };
      state.tokenLog.push(entry);
      state.tokenSum += tokens;
      entries.push(entry);
    }
    const lease: MemoryLease = { id: this.#nextLease++, scopes: request.scopes, reservedTokens: tokens, at: now, entries, states, released: false };
    return { ok: true, lease, snapshot: snapshot(request.scopes, states, now) };
  }

  settle(lease: Lease, usedTokens: number): void {
    const { entries, states } = lease as MemoryLease;
    entries.forEach((entry, i) => {
      if (entry.live) states[i].tokenSum += usedTokens - entry.tokens;
      entry.tokens = usedTokens;
    });
  }

  release(lease: Lease): void {
    const memoryLease = lease as MemoryLease;
    if (memoryLease.released) return;
    memoryLease.released = true;
    for (const state of memoryLease.states) state.active--;
  }

  restoreDaily(kind: LimitScope['kind'], key: string, requests: number, now: number): void {
    const state = this.#state({ kind, key, limits: NO_LIMITS }, now);
    state.dayCount = Math.max(state.dayCount, requests);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #state(scope: LimitScope, now: number): ScopeState {
    const scopes = this.#scopes[scope.kind];
    let state = scopes.get(scope.key);
    if (!state) {
      state = new ScopeState();
      scopes.set(scope.key, state);
    }
    state.advance(now);
    return state;
  }

  #sweep(now: number): void {
    for (const scopes of Object.values(this.#scopes)) {
      for (const [key, state] of scopes) {
        if (state.active === 0 && now - state.lastSeen > IDLE_MS) scopes.delete(key);
      }
    }
  }
}

function check(scope: LimitScope, state: ScopeState, tokens: number, now: number): { dimension: LimitDimension; retryAfterMs: number; message: string } | null {
  const { limits } = scope;
  const who = scope.kind === 'account' ? 'account' : `${scope.kind} ${scope.key}`;
  if (limits.concurrentRequests > 0 && state.active >= limits.concurrentRequests) {
    return { dimension: 'concurrent_requests', retryAfterMs: 1_000, message: `too many concurrent requests for this ${who}: limit ${limits.concurrentRequests}` };
  }
  if (limits.requestsPerDay > 0 && state.dayCount >= limits.requestsPerDay) {
    return {
      dimension: 'requests_per_day',
      retryAfterMs: (state.day + 1) * DAY_MS - now,
      message: `daily request quota reached for this ${who}: limit ${limits.requestsPerDay} per UTC day`,
    };
  }
  if (limits.requestsPerMinute > 0 && state.requestsInWindow >= limits.requestsPerMinute) {
    const oldest = state.requestTimes[state.requestTimes.length - limits.requestsPerMinute];
    return {
      dimension: 'requests_per_minute',
      retryAfterMs: Math.max(1, oldest + WINDOW_MS - now),
      message: `rate limit reached for this ${who}: limit ${limits.requestsPerMinute} requests per minute`,
    };
  }
  if (limits.tokensPerMinute > 0 && state.tokenSum + tokens > limits.tokensPerMinute) {
    if (tokens > limits.tokensPerMinute) {
      return {
        dimension: 'tokens_per_minute',
        retryAfterMs: WINDOW_MS,
        message: `request too large for this ${who}: it reserves ${tokens} tokens (prompt + max_tokens) and the limit is ${limits.tokensPerMinute} tokens per minute; lower max_tokens`,
      };
    }
    return {
      dimension: 'tokens_per_minute',
      retryAfterMs: Math.max(1, state.tokensFreeInMs(tokens, limits.tokensPerMinute, now)),
      message: `rate limit reached for this ${who}: limit ${limits.tokensPerMinute} tokens per minute, ${state.tokenSum} in use, ${tokens} requested`,
    };
  }
  return null;
}

/** Reports the scope closest to its limit on each dimension, as OpenAI's headers do for one account. */
function snapshot(scopes: readonly LimitScope[], states: readonly ScopeState[], now: number): LimitSnapshot | null {
  let best: LimitSnapshot | null = null;
  let reqRatio = Number.POSITIVE_INFINITY;
  let tokRatio = Number.POSITIVE_INFINITY;
  scopes.forEach((scope, i) => {
    const state = states[i];
    const rpm = scope.limits.requestsPerMinute;
    const tpm = scope.limits.tokensPerMinute;
    best ??= { limitRequests: 0, remainingRequests: 0, resetRequestsMs: 0, limitTokens: 0, remainingTokens: 0, resetTokensMs: 0 };
    if (rpm > 0) {
      const remaining = Math.max(0, rpm - state.requestsInWindow);
      if (remaining / rpm < reqRatio) {
        reqRatio = remaining / rpm;
        const oldest = state.requestTimes[state.requestHead];
        best.limitRequests = rpm;
        best.remainingRequests = remaining;
        best.resetRequestsMs = oldest === undefined ? 0 : oldest + WINDOW_MS - now;
      }
    }
    if (tpm > 0) {
      const remaining = Math.max(0, tpm - state.tokenSum);
      if (remaining / tpm < tokRatio) {
        tokRatio = remaining / tpm;
        const oldest = state.tokenLog[state.tokenHead];
        best.limitTokens = tpm;
        best.remainingTokens = remaining;
        best.resetTokensMs = oldest === undefined ? 0 : oldest.at + WINDOW_MS - now;
      }
    }
  });
  return reqRatio === Number.POSITIVE_INFINITY && tokRatio === Number.POSITIVE_INFINITY ? null : best;
}
