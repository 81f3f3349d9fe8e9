/**
 * One keep-alive undici Pool per upstream origin, built once at start-up. Requests reuse connections, so the gateway
 * pays no TCP handshake per call (the bare-proxy baseline in the benchmark uses the same Pool settings).
 */
import { Pool } from 'undici';
import type { ModelRoute } from '../../config/schema.ts';

export interface UpstreamTarget {
  pool: Pool;
  /** Path prefix of the base URL, e.g. `/v1`. */
  basePath: string;
  /** Authorization header value, or undefined when the upstream needs none. */
  authorization: string | undefined;
  upstreamModel: string;
  timeoutMs: number;
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, UpstreamTarget>();

  constructor(routes: readonly ModelRoute[], connections = 64) {
    for (const route of routes) {
      const url = new URL(route.baseUrl);
      let pool = this.#pools.get(url.origin);
      if (!pool) {
        pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
        this.#pools.set(url.origin, pool);
      }
      this.#targets.set(route.name, {
        pool,
        basePath: url.pathname.replace(/\/+$/, ''),
        authorization: route.apiKey ? `Bearer ${route.apiKey}` : undefined,
        upstreamModel: route.upstreamModel ?? route.name,
        timeoutMs: route.timeoutMs,
      });
    }
  }

  target(modelName: string): UpstreamTarget {
    const target = this.#targets.get(modelName);
    if (!target) throw new Error(`no upstream configured for model ${modelName}`);
    return target;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }
}
