// Failed tests out of the runners' reports in .motifs/test-results (jest/vitest JSON, node:test and
// chaos TAP), so that `npm test` can print them once more at the very end: a CI log is often read
// from its tail, and the runners print a failure where it happened, many minutes of output earlier.

/** Lines of a failure's message kept in the closing digest. */
const DIGEST_LINES = 40;

/** `{ name, message }` of each failed test in a jest/vitest JSON report. */
export function jsonFailures(report) {
  const failures = [];
  for (const suite of report.testResults ?? []) {
    const tests = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of tests) failures.push({ name: `${suite.name}: ${a.fullName ?? a.title}`, message: (a.failureMessages ?? []).join('\n') });
    // A suite that failed outside its tests (it did not load, a hook threw).
    if (!tests.length && suite.status === 'failed') failures.push({ name: suite.name, message: suite.message ?? '' });
  }
  return failures;
}

/**
 * `{ name, message }` of each failed test in a TAP report (node:test's YAML blocks: the `error:` and
 * the `cause:` under it). A suite that failed only because a test in it did is left out.
 */
export function tapFailures(text) {
  const lines = text.split('\n');
  const failures = [];
  const open = []; // the name of the subtest open at each depth (4 spaces a level)
  for (let i = 0; i < lines.length; i++) {
    const sub = /^(\s*)# Subtest: (.*)$/.exec(lines[i]);
    if (sub) open[sub[1].length / 4] = sub[2];
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].length;
    const block = [];
    for (let j = i + 1; j < lines.length && !/^\s*\.\.\.$/.test(lines[j]) && !/^\s*(?:not )?ok \d+ /.test(lines[j]); j++) block.push(lines[j].slice(indent + 2));
    if (block.some((l) => /^failureType: '?subtestsFailed/.test(l))) continue;
    const message = [];
    for (let j = 0; j < block.length; j++) {
      const field = /^(location|error|cause|expected|actual):\s*(.*)$/.exec(block[j]);
      if (!field) continue;
      message.push(`${field[1]}: ${field[2] === '|-' || field[2] === '>-' ? '' : field[2]}`.trimEnd());
      for (j++; j < block.length && /^\s/.test(block[j]); j++) message.push(block[j].replace(/^ {2}/, ''));
      j--;
    }
    failures.push({ name: [...open.slice(0, indent / 4), m[2]].join(' › '), message: message.join('\n') });
  }
  return failures;
}

/** The failures as text for the end of the output (`''` when there are none). */
export function formatFailures(failures) {
  if (!failures.length) return '';
  const out = [`\n════ ${failures.length} failed test(s), each with the first ${DIGEST_LINES} lines of its message`];
  for (const f of failures) {
    // Jest's messages carry ANSI colours; the digest is plain text.
    // eslint-disable-next-line no-control-regex
    const lines = f.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((l) => l.trim());
    out.push(`\n✖ [${f.file}] ${f.name}`);
    for (const l of lines.slice(0, DIGEST_LINES)) out.push(`    ${l}`);
    if (lines.length > DIGEST_LINES) out.push(`    ... ${lines.length - DIGEST_LINES} more line(s)`);
  }
  return out.join('\n');
}
