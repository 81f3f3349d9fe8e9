import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'moat-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadConfig', () => {
  it('parses the documented full example', () => {
    const config = loadConfig({ file: 'examples/moat.yaml', env: {} });
    assert.equal(config.gateway.port, 8080);
    assert.equal(config.models.length, 2);
    assert.equal(config.limits.account.requestsPerMinute, 600);
  });

  it('fills every default from an empty file and freezes the result', () => {
    const config = loadConfig({ file: file('empty.yaml', ''), env: {} });
    assert.equal(config.gateway.maxBodyBytes, 1024 * 1024);
    assert.equal(config.gateway.subnetPrefixV4, 24);
    assert.equal(config.storage.driver, 'sqlite');
    assert.throws(() => {
      (config.gateway as { port: number }).port = 1;
    }, TypeError);
  });

  it('reports every bad field with its path and reason at once', () => {
    const path = file('bad.yaml', 'gateway:\n  port: 99999\n  trustedProxies: [banana]\nlimits:\n  account:\n    requestsPerMinute: -1\nsurprise: 1\n');
    assert.throws(
      () => loadConfig({ file: path, env: {} }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /gateway\.port/);
        assert.match(err.message, /gateway\.trustedProxies\.0: must be an IPv4\/IPv6 address or CIDR/);
        assert.match(err.message, /limits\.account\.requestsPerMinute/);
        assert.match(err.message, /surprise/);
        return true;
      },
    );
  });

  it('names the file when it is missing or not YAML', () => {
    assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /cannot read config file .*missing\.yaml/);
    assert.throws(() => loadConfig({ file: file('broken.yaml', 'a: [1, 2\n'), env: {} }), /not valid YAML/);
    assert.throws(() => loadConfig({ file: file('list.yaml', '- 1\n'), env: {} }), /mapping at the top level/);
  });

  it('takes MOAT_CONFIG and environment overrides', () => {
    const path = file('env.yaml', 'gateway:\n  port: 9000\n');
    const config = loadConfig({ env: { MOAT_CONFIG: path, MOAT_DATA_DIR: '/tmp/x', MOAT_LOG_LEVEL: 'warn' } });
    assert.equal(config.gateway.port, 9000);
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(config.log.level, 'warn');
  });

  it("rejects a DAWN margin band that is empty or rates the band's share cannot hold", () => {
    assert.throws(() => parseConfig({ watermark: { classifier: { marginBand: { min: 0.99, max: 0.9 } } } }), /marginBand\.min must be below marginBand\.max/);
    assert.throws(() => parseConfig({ watermark: { classifier: { bandShare: 0.05 } } }), /fraction \+ controlFraction must not exceed bandShare/);
    const classic = parseConfig({ watermark: { classifier: { marginBand: { min: 0, max: 1 }, bandShare: 1 } } }).watermark.classifier;
    assert.deepEqual([classic.marginBand, classic.bandShare], [{ min: 0, max: 1 }, 1]);
  });

  it('rejects a model with an invalid base URL', () => {
    assert.throws(() => parseConfig({ models: [{ name: 'm', kinds: ['chat'], baseUrl: 'not a url' }] }), /models\.0\.baseUrl/);
  });
});
