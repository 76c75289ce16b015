// Draws the benchmark ratios in results/*.json as one SVG bar chart (docs/bench.svg by default):
// a group per comparison, a bar per subject, its length the ratio to the comparison's baseline
// (the dashed line at 1x, log scale), with a whisker for the ratio's 95% bootstrap interval. Ratios,
// like the tables, because they survive a slower machine.
// Also refreshes the same figures as a markdown table between the bench-table markers of the root README.
// Usage: node tools/bench/chart.mjs [out.svg]
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = process.argv[2] ?? join(here, '..', '..', 'docs', 'bench.svg');
const resultsDir = join(here, 'results');

/** @returns {{ scenario: string, title: string, baseline: string, rows: { name: string, ratio: number, low?: number, high?: number, opsPerSec: number }[] }[]} */
export function loadComparisons(dir = resultsDir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    // The *-scaling scenarios repeat one comparison per load: plot.mjs draws them as curves.
    .filter((f) => f.endsWith('.json') && !/-scaling\.json$/.test(f))
    .sort()
    .flatMap((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return (data.comparisons ?? []).map((c) => ({
        scenario: file.replace(/\.json$/, ''),
        title: c.title,
        baseline: c.baseline,
        rows: (c.rows ?? []).filter((r) => Number.isFinite(r.ratio) && r.ratio > 0),
      }));
    })
    .filter((c) => c.rows.length > 0);
}

const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);

/**
 * Renders the comparisons as a self-contained SVG (no fonts or scripts fetched). Ratios span
 * orders of magnitude (a shared-reference cache is 10x+ a copying one), so the axis is
 * logarithmic and every bar grows from the 1x line: right is faster than the baseline, left slower.
 */
export function renderSvg(comparisons) {
  const width = 1000;
  const labelW = 330;
  const pad = 48;
  const plotL = labelW + pad;
  const plotR = width - 190; // room for the value and its interval right of the longest bar
  const rowH = 22;
  const groupGap = 16;
  const titleH = 22;
  const top = 70;
  const ratios = comparisons.flatMap((c) => c.rows.flatMap((r) => [r.ratio, r.low, r.high].filter((v) => Number.isFinite(v) && v > 0)));
  const lo = Math.floor(Math.log10(Math.min(0.5, ...ratios)));
  const hi = Math.ceil(Math.log10(Math.max(2, ...ratios)));
  const x = (ratio) => plotL + ((Math.log10(ratio) - lo) / (hi - lo)) * (plotR - plotL);
  const parts = [];
  let y = top;
  for (const c of comparisons) {
    parts.push(`<text x="12" y="${y + 15}" class="group">${esc(c.scenario)}: ${esc(c.title)}</text>`);
    y += titleH;
    for (const r of c.rows) {
      const cls = r.name === c.baseline ? 'bar base' : /motifs/.test(r.name) ? 'bar ours' : 'bar peer';
      const x0 = Math.min(x(1), x(r.ratio));
      const x1 = Math.max(x(1), x(r.ratio));
      const faster = r.ratio >= 1;
      const hasInterval = r.name !== c.baseline && Number.isFinite(r.low) && Number.isFinite(r.high) && r.low > 0;
      const label = hasInterval ? `${r.ratio.toFixed(2)}x [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]` : `${r.ratio.toFixed(2)}x`;
      const wy = y + rowH / 2;
      const whisker = hasInterval
        ? [
            `<line x1="${x(r.low).toFixed(1)}" y1="${wy}" x2="${x(r.high).toFixed(1)}" y2="${wy}" class="ci"/>`,
            `<line x1="${x(r.low).toFixed(1)}" y1="${wy - 4}" x2="${x(r.low).toFixed(1)}" y2="${wy + 4}" class="ci"/>`,
            `<line x1="${x(r.high).toFixed(1)}" y1="${wy - 4}" x2="${x(r.high).toFixed(1)}" y2="${wy + 4}" class="ci"/>`,
          ]
        : [];
      const textAt = faster ? Math.max(x1, hasInterval ? x(r.high) : x1) + 6 : Math.min(x0, hasInterval ? x(r.low) : x0) - 6;
      parts.push(
        `<text x="${labelW - 8}" y="${y + 15}" class="label" text-anchor="end">${esc(r.name)}${r.name === c.baseline ? ' (baseline)' : ''}</text>`,
        `<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${rowH - 8}" class="${cls}"><title>${esc(r.name)}: ${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s, ${esc(label)}</title></rect>`,
        ...whisker,
        `<text x="${textAt.toFixed(1)}" y="${y + 15}" class="value" text-anchor="${faster ? 'start' : 'end'}">${esc(label)}</text>`,
      );
      y += rowH;
    }
    y += groupGap;
  }
  const ticks = [];
  for (let e = lo; e <= hi; e += 1) {
    const v = 10 ** e;
    const label = v >= 1 ? `${v}x` : `${v.toFixed(-e)}x`;
    ticks.push(
      `<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${y - groupGap}" class="${e === 0 ? 'one' : 'grid'}"/>`,
      `<text x="${x(v).toFixed(1)}" y="${top - 10}" class="tick" text-anchor="middle">${label}</text>`,
    );
  }
  const height = y + 4;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="motifs benchmark ratios">
<style>
  text { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 12px; fill: #24292f; }
  .head { font-size: 15px; font-weight: 600; }
  .note, .value, .tick { fill: #57606a; }
  .group { font-weight: 600; }
  .bar.ours { fill: #2f81f7; }
  .bar.peer { fill: #afb8c1; }
  .bar.base { fill: #6e7781; }
  .grid { stroke: #d0d7de; stroke-width: 1; }
  .one { stroke: #cf222e; stroke-dasharray: 4 3; stroke-width: 1; }
  .ci { stroke: #0b3d91; stroke-width: 1.5; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="22" class="head">motifs benchmarks: throughput as a ratio to each group's baseline (log scale)</text>
<text x="12" y="38" class="note">Right of the dashed 1x line: faster than the baseline. Blue: @motifs/*; grey: peers; dark: baseline. Whiskers, [brackets]: 95% bootstrap interval.</text>
${ticks.join('\n')}
${parts.join('\n')}
</svg>
`;
}

/**
 * Replaces every `<!-- bench:NAME -->...<!-- /bench:NAME -->` block of a markdown text with the
 * text `read(NAME)` returns (a results/NAME.md file); a block whose results are missing stays.
 * Links relative to tools/bench/results/ (three levels down) are rewritten for packages/NAME/ (two).
 */
export function syncResultBlocks(text, read) {
  return text.replace(/(<!-- bench:([\w.-]+) -->\n)[\s\S]*?(<!-- \/bench:\2 -->)/g, (whole, start, name, end) => {
    const body = read(name);
    return body === undefined ? whole : `${start}${body.trimEnd().replaceAll('](../../../', '](../../')}\n${end}`;
  });
}

/** One markdown row per comparison, every subject as a ratio to the baseline (@motifs/* in bold). */
export function renderMarkdown(comparisons) {
  const fmt = (r) => `${r.name} ${r.ratio.toFixed(2)}x${Number.isFinite(r.low) ? ` [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]` : ''}`;
  const lines = ['| scenario | comparison | baseline (1x) | others, as ratios to the baseline [95% interval] |', '| --- | --- | --- | --- |'];
  for (const c of comparisons) {
    const others = c.rows.filter((r) => r.name !== c.baseline).map((r) => (/motifs/.test(r.name) ? `**${fmt(r)}**` : fmt(r)));
    lines.push(`| ${c.scenario} | ${c.title} | ${c.baseline} | ${others.join('<br>')} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const comparisons = loadComparisons();
  if (comparisons.length === 0) {
    console.error(`no results in ${resultsDir}: run npm run bench first`);
    process.exit(1);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderSvg(comparisons));
  console.log(`wrote ${out} (${comparisons.length} comparisons from ${new Set(comparisons.map((c) => c.scenario)).size} scenarios)`);
  // The root README quotes the same figures between two markers; refresh them in place.
  const readme = join(here, '..', '..', 'README.md');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
  const marked = /(<!-- bench-table:start[^>]*-->\n)[\s\S]*?(<!-- bench-table:end -->)/;
  if (marked.test(text)) {
    writeFileSync(readme, text.replace(marked, (_m, start, end) => `${start}${renderMarkdown(comparisons)}${end}`));
    console.log(`updated the benchmark table in ${readme}`);
  } else {
    console.log(renderMarkdown(comparisons));
  }
  // Package READMEs quote whole result files between `<!-- bench:<scenario> -->` and
  // `<!-- /bench:<scenario> -->`: refresh them from results/<scenario>.md.
  const packages = join(here, '..', '..', 'packages');
  for (const dir of existsSync(packages) ? readdirSync(packages) : []) {
    const file = join(packages, dir, 'README.md');
    if (!existsSync(file)) continue;
    const before = readFileSync(file, 'utf8');
    const after = syncResultBlocks(before, (scenario) => {
      const md = join(resultsDir, `${scenario}.md`);
      return existsSync(md) ? readFileSync(md, 'utf8') : undefined;
    });
    if (after !== before) {
      writeFileSync(file, after);
      console.log(`updated the quoted results in ${file}`);
    }
  }
}
