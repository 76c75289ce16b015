// The benchmark statistics and renderers: a target passes only on the interval's lower bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, summarize, target, toMarkdown, MIN_ROUNDS } from '../harness.mjs';
import { median, medianInterval, pairedRatios } from '../stats.mjs';
import { renderCurve } from '../plot.mjs';
import { renderSvg, renderMarkdown } from '../chart.mjs';

const quiet = async (fn) => {
  const log = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
  }
};

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('the interval brackets the median, narrows with less noise, and is reproducible', () => {
  const noisy = [0.7, 1.3, 0.8, 1.25, 0.9, 1.1, 1.0, 0.75, 1.2, 0.95, 1.05, 0.85, 1.15, 1.02, 0.98];
  const calm = noisy.map((v) => 1 + (v - 1) / 10);
  const a = medianInterval(noisy);
  const b = medianInterval(calm);
  assert.ok(a.low <= a.median && a.median <= a.high);
  assert.ok(b.high - b.low < (a.high - a.low) / 5, 'a tenth of the spread gives a much narrower interval');
  assert.deepEqual(medianInterval(noisy), a, 'seeded: the same samples give the same interval');
  assert.deepEqual(medianInterval([2]), { median: 2, low: 2, high: 2 });
});

test('paired ratios divide round k by round k', () => {
  assert.deepEqual(pairedRatios([2, 6, 9], [1, 3, 3]), [2, 2, 3]);
  assert.deepEqual(pairedRatios([2, 6], [1, 0]), [2], 'a zero baseline round is dropped, not Infinity');
});

test('a target whose median clears it but whose lower bound does not is missed', () => {
  const base = Array.from({ length: 15 }, () => 100);
  const wobbly = [90, 130, 95, 125, 100, 128, 92, 131, 97, 126, 103, 129, 94, 127, 106];
  const result = summarize({ title: 't', subjects: [{ name: 'base', samples: base }, { name: 'ours', samples: wobbly }] });
  const row = result.rows.find((r) => r.name === 'ours');
  assert.ok(row.ratio > 1.02 && row.low < 1, `median ${row.ratio}, low ${row.low}`);
  const t = quiet(() => target(result, 'ours', 1));
  return t.then((met) => {
    assert.equal(met.ok, false);
    assert.equal(met.low, row.low);
  });
});

test('a target cleared by the whole interval is met, against any subject', async () => {
  const base = Array.from({ length: 15 }, (_, k) => 100 + (k % 3));
  const peer = base.map((v) => v * 2);
  const ours = base.map((v, k) => v * (3.2 + (k % 4) * 0.02));
  const result = summarize({ title: 't', baseline: 'base', subjects: [{ name: 'base', samples: base }, { name: 'peer', samples: peer }, { name: 'ours', samples: ours }] });
  const t3 = await quiet(() => target(result, 'ours', 3));
  const tPeer = await quiet(() => target(result, 'ours', 1.5, 'peer'));
  const tMiss = await quiet(() => target(result, 'ours', 1.7, 'peer'));
  assert.equal(t3.ok, true);
  assert.equal(t3.against, 'base');
  assert.equal(tPeer.ok, true);
  assert.equal(tMiss.ok, false);
  assert.throws(() => target(result, 'nobody', 1), /no subject nobody/);
});

test('compare runs at least 15 interleaved rounds after a discarded warm-up, rotating the order', async () => {
  const order = [];
  const subject = (name) => ({ name, run: () => { if (order.at(-1) !== name) order.push(name); } });
  const result = await quiet(() => compare({ title: 'rounds', subjects: [subject('a'), subject('b'), subject('c')], rounds: 3, roundMs: 2, warmupMs: 2 }));
  assert.equal(result.rounds, MIN_ROUNDS);
  for (const row of result.rows) assert.equal(row.samples.length, MIN_ROUNDS);
  // warm-up a b c, then round 0: a b c, round 1: b c a, round 2: c a b ...
  assert.deepEqual(order.slice(0, 12), ['a', 'b', 'c', 'a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  assert.match(toMarkdown(result), /\| b \| [\d.]+[kM]? \| [\d.]+x \[[\d.]+x, [\d.]+x\] \|/);
});

test('beforeRound runs untimed before each of its subject\'s rounds, the warm-up too, with the setup\'s ctx', async () => {
  const events = [];
  const subject = (name) => ({
    name,
    setup: () => ({ name, store: [] }),
    beforeRound: (ctx) => {
      events.push(`${ctx.name}:before:${ctx.store.length > 0 ? 'dirty' : 'empty'}`);
      ctx.store.length = 0;
    },
    run: (ctx) => {
      if (ctx.store.length === 0) events.push(`${ctx.name}:run`);
      ctx.store.push(1);
    },
  });
  await quiet(() => compare({ title: 'before', subjects: [subject('a'), subject('b')], roundMs: 2, warmupMs: 2 }));
  // 1 warm-up + 15 rounds per subject, each preceded by its own beforeRound, which found the store
  // the previous round had filled (the first found it empty).
  for (const name of ['a', 'b']) {
    const mine = events.filter((e) => e.startsWith(`${name}:`));
    assert.equal(mine.length, 2 * (MIN_ROUNDS + 1));
    for (let k = 0; k < mine.length; k += 2) {
      assert.equal(mine[k], `${name}:before:${k === 0 ? 'empty' : 'dirty'}`);
      assert.equal(mine[k + 1], `${name}:run`);
    }
  }
});

test('the ratio chart draws a whisker and brackets for every interval', () => {
  const comparisons = [{ scenario: 's', title: 't', baseline: 'base', rows: [{ name: 'base', ratio: 1, opsPerSec: 10 }, { name: '@motifs/x', ratio: 2, low: 1.5, high: 2.5, opsPerSec: 20 }] }];
  const svg = renderSvg(comparisons);
  assert.equal((svg.match(/class="ci"/g) ?? []).length, 3);
  assert.match(svg, /2\.00x \[1\.50, 2\.50\]/);
  assert.match(renderMarkdown(comparisons), /\*\*@motifs\/x 2\.00x \[1\.50, 2\.50\]\*\*/);
});

test('a curve becomes a line per series with whiskers, names escaped', () => {
  const svg = renderCurve({
    id: 'c', title: 'a <curve>', x: { label: 'calls', log: true }, y: { label: 'ops/s' }, interval: '95% interval',
    series: [
      { name: '@motifs/a', points: [{ x: 1, y: 10, low: 9, high: 11 }, { x: 8, y: 70, low: 60, high: 80 }] },
      { name: 'peer & co', points: [{ x: 1, y: 12 }, { x: 8, y: 50 }] },
    ],
  });
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
  assert.match(svg, /a &lt;curve&gt;/);
  assert.match(svg, /peer &amp; co/);
  assert.ok(!/NaN/.test(svg), 'no NaN coordinates');
});

test('package READMEs quote results files between markers, links rewritten, other blocks kept', async () => {
  const { syncResultBlocks } = await import('../chart.mjs');
  const text = 'intro\n<!-- bench:a -->\nold table\n<!-- /bench:a -->\nmiddle\n<!-- bench:b -->\nkept\n<!-- /bench:b -->\n';
  const out = syncResultBlocks(text, (name) => (name === 'a' ? '| new |\n\nPlot: [x](../../../docs/bench-x.svg)\n' : undefined));
  assert.equal(out, 'intro\n<!-- bench:a -->\n| new |\n\nPlot: [x](../../docs/bench-x.svg)\n<!-- /bench:a -->\nmiddle\n<!-- bench:b -->\nkept\n<!-- /bench:b -->\n');
});
