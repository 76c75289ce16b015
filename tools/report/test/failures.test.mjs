// The closing failure digest of `npm test`: failures read back from the reports the real runners
// write (node:test's TAP from a run of a small fixture; a jest JSON report of the shape jest writes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatFailures, jsonFailures, tapFailures } from '../failures.mjs';

const FIXTURE = `
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
describe('outer', () => {
  test('passes', () => {});
  test('wraps', () => {
    throw new Error('first line\\nsecond line\\n  indented line');
  });
  describe('inner', () => {
    test('asserts', () => assert.equal('a', 'b'));
  });
});
test('top level', () => { throw new TypeError('bad thing'); });
test('also passes', () => {});
`;

/** What `node --test --test-reporter=tap` prints for `source` (a test file); asserts its exit code. */
function tapOf(t, source, status) {
  const dir = mkdtempSync(join(tmpdir(), 'motifs-report-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fixture.test.mjs');
  writeFileSync(file, source);
  // Without the variable that makes a nested `node --test` skip its files (it is set in this process).
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', env });
  assert.equal(r.status, status, r.stderr);
  return r.stdout;
}

test('TAP: every failed test with its suites, location and message; passing tests and failed suites left out', (t) => {
  const failures = tapFailures(tapOf(t, FIXTURE, 1));
  assert.deepEqual(failures.map((f) => f.name), ['outer › wraps', 'outer › inner › asserts', 'top level']);
  const [wraps, asserts, top] = failures.map((f) => f.message.split('\n'));
  assert.match(wraps[0], /^location: '.*fixture\.test\.mjs:6:3'$/);
  assert.deepEqual(wraps.slice(1), ['error:', 'first line', 'second line', '  indented line']);
  assert.ok(asserts.includes("'a' !== 'b'"), asserts.join('\n'));
  assert.ok(asserts.includes("expected: 'b'") && asserts.includes("actual: 'a'"), asserts.join('\n'));
  assert.ok(top.includes("error: 'bad thing'"), top.join('\n'));
});

test('TAP: none from a run that passed (with a skipped test); one per "not ok" line of the chaos runner', (t) => {
  const passing = "import { test } from 'node:test';\ntest('a', () => {});\ntest.skip('b', () => { throw new Error('x'); });\n";
  assert.deepEqual(tapFailures(tapOf(t, passing, 0)), []);
  const chaos = 'TAP version 13\nok 1 - chaos shared-db\nnot ok 2 - chaos redis-kill\nok 3 - chaos hung-close # SKIP\n1..3\n';
  assert.deepEqual(tapFailures(chaos), [{ name: 'chaos redis-kill', message: '' }]);
});

test('jest JSON: failed tests with their messages, and a suite that failed outside its tests', () => {
  const report = {
    numFailedTests: 1,
    testResults: [
      { name: '/r/a.test.ts', status: 'failed', message: '', assertionResults: [
        { fullName: 'cacher getItem', title: 'getItem', status: 'passed', failureMessages: [] },
        { fullName: 'cacher setItem', title: 'setItem', status: 'failed', failureMessages: ['\u001b[2mexpect(\u001b[22mreceived\u001b[2m).toBe(\u001b[22mexpected\u001b[2m)\nExpected: 2'] },
      ] },
      { name: '/r/b.test.ts', status: 'failed', message: 'Cannot find module x', assertionResults: [] },
      { name: '/r/c.test.ts', status: 'passed', message: '', assertionResults: [{ fullName: 'ok', status: 'passed', failureMessages: [] }] },
    ],
  };
  const failures = jsonFailures(report);
  assert.deepEqual(failures.map((f) => f.name), ['/r/a.test.ts: cacher setItem', '/r/b.test.ts']);
  assert.equal(failures[1].message, 'Cannot find module x');
  const text = formatFailures(failures.map((f) => ({ ...f, file: 'jest-x.json' })));
  assert.match(text, /2 failed test\(s\)/);
  assert.match(text, /✖ \[jest-x\.json\] \/r\/a\.test\.ts: cacher setItem\n {4}expect\(received\)\.toBe\(expected\)\n {4}Expected: 2/, 'colours stripped');
  assert.equal(formatFailures([]), '');
});

test('the digest keeps the first lines of a long message and says how many it left out', () => {
  const message = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
  const lines = formatFailures([{ file: 'f.tap', name: 'long', message }]).split('\n');
  assert.ok(lines.includes('    line 0') && !lines.some((l) => l.trim() === 'line 99'));
  assert.equal(lines.at(-1), `    ... ${100 - lines.filter((l) => /^ {4}line \d+$/.test(l)).length} more line(s)`);
  assert.equal(lines.filter((l) => /^ {4}line \d+$/.test(l)).length, 40);
});
