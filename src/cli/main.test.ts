import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const BIN = new URL('../../bin/moat.js', import.meta.url).pathname;

// The simulator's scenario loader carries its own sysexits codes (it does not import the CLI); main.ts must honour
// them through the real binary, with the loader's message on stderr.
test('a scenario that cannot be used exits with its sysexits code and a precise message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-main-'));
  writeFileSync(join(dir, 'broken.yaml'), 'benign: [\n');
  writeFileSync(join(dir, 'invalid.yaml'), 'benign: [{ persona: lurker, accounts: 1 }]\n');
  const cases: [string, number, RegExp][] = [
    [join(dir, 'missing.yaml'), 66, /cannot read scenario .*missing\.yaml: ENOENT/],
    [join(dir, 'broken.yaml'), 65, /scenario .*broken\.yaml does not parse/],
    [join(dir, 'invalid.yaml'), 64, /invalid\.yaml is not a valid scenario:\n {2}- benign\.0\.persona/],
  ];
  for (const [file, code, message] of cases) {
    const run = spawnSync(process.execPath, [BIN, 'simulate', '--scenario', file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, code, run.stderr);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /unexpected error/);
  }
});
