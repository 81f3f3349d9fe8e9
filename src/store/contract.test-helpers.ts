/**
 * The contract every store adapter must keep: memory.test.ts and sqlite.test.ts each call `runStoreContract` with
 * their adapter. Each test opens fresh stores with a pinned clock so timestamps can be checked exactly.
 */
import { describe } from 'node:test';
import { accountContract } from './contract-accounts.test-helpers.ts';
import { auditContract } from './contract-audit.test-helpers.ts';
import { banAndRuleContract } from './contract-bans-rules.test-helpers.ts';
import { detectionContract } from './contract-detections.test-helpers.ts';
import { keyContract } from './contract-keys.test-helpers.ts';
import { type OpenStores, storeFactory } from './contract-support.test-helpers.ts';

/** Runs the shared contract against one adapter. */
export function runStoreContract(name: string, open: OpenStores): void {
  describe(`${name} store contract`, () => {
    const fresh = storeFactory(open);
    accountContract(fresh);
    keyContract(fresh);
    banAndRuleContract(fresh);
    auditContract(fresh);
    detectionContract(fresh);
  });
}
