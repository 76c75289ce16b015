// Draws the scaling curves scenarios return (`curves` in results/*.json) as line charts:
// docs/bench-<id>.svg, a line per series, a marker per point and a whisker for its interval
// (low..high; each scenario's markdown says what the interval is). Self-contained SVG: no fonts
// or scripts fetched, like docs/bench.svg.
// Usage: node tools/bench/plot.mjs [outDir]
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const resultsDir = join(here, 'results');

/** Every curve in results/*.json, with the scenario and Node version that measured it. */
export function loadCurves(dir = resultsDir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return (data.curves ?? []).map((c) => ({ ...c, scenario: file.replace(/\.json$/, ''), node: data.node, date: data.date }));
    });
}

const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
const PALETTE = ['#2f81f7', '#cf222e', '#8250df', '#1a7f37', '#bf8700', '#6e7781', '#e16f24', '#0550ae'];

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1 || a === 0) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(2)}`;
}

/** Axis mapping and ticks for a value range, linear or log10. */
function axis(values, { log = false } = {}, from, to, tight = false) {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  let ticks;
  if (tight) {
    // The measured x values themselves, padded a little so the end markers are not on the frame.
    const f = log ? Math.log10 : (v) => v;
    const span = f(hi) - f(lo) || 1;
    const a = f(lo) - span * 0.04;
    const b = f(hi) + span * 0.04;
    return { map: (v) => from + ((f(v) - a) / (b - a)) * (to - from), ticks: finite };
  }
  if (log) {
    const e0 = Math.floor(Math.log10(lo));
    const e1 = Math.ceil(Math.log10(hi));
    lo = 10 ** e0;
    hi = 10 ** Math.max(e1, e0 + 1);
    ticks = [];
    for (let e = e0; e <= Math.log10(hi); e++) for (const m of e1 - e0 <= 2 ? [1, 2, 5] : [1]) if (m * 10 ** e <= hi) ticks.push(m * 10 ** e);
    const map = (v) => from + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (to - from);
    return { map, ticks };
  }
  lo = Math.min(0, lo);
  const span = hi - lo || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  hi = Math.ceil(hi / step) * step;
  ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(+v.toPrecision(12));
  const map = (v) => from + ((v - lo) / (hi - lo || 1)) * (to - from);
  return { map, ticks };
}

/** One curve as an SVG line chart. */
export function renderCurve(curve) {
  const width = 760;
  const height = 420;
  const left = 78;
  const right = 230;
  const top = 58;
  const bottom = 56;
  const points = curve.series.flatMap((s) => s.points);
  // The x axis shows the measured points themselves (1, 8, 64, 256; 10k, 100k, 1M): use them as ticks.
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const xa = axis(xs, curve.x, left, width - right, true);
  const ya = axis(points.flatMap((p) => [p.y, p.low, p.high]), curve.y, height - bottom, top);
  const parts = [];
  for (const t of ya.ticks) {
    const y = ya.map(t).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${width - right}" y2="${y}" class="grid"/>`, `<text x="${left - 6}" y="${y}" dy="4" class="tick" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of xs) {
    const x = xa.map(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${height - bottom}" class="grid"/>`, `<text x="${x}" y="${height - bottom + 16}" class="tick" text-anchor="middle">${fmt(t)}</text>`);
  }
  curve.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = [...s.points].filter((p) => Number.isFinite(p.y) && (!curve.y?.log || p.y > 0)).sort((a, b) => a.x - b.x);
    const path = pts.map((p, k) => `${k ? 'L' : 'M'}${xa.map(p.x).toFixed(1)},${ya.map(p.y).toFixed(1)}`).join(' ');
    const dash = /motifs|^(repo|cacher|listener)-/.test(s.name) ? '' : ' stroke-dasharray="5 3"';
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const p of pts) {
      const cx = xa.map(p.x).toFixed(1);
      if (Number.isFinite(p.low) && Number.isFinite(p.high) && (!curve.y?.log || p.low > 0)) {
        parts.push(`<line x1="${cx}" y1="${ya.map(p.low).toFixed(1)}" x2="${cx}" y2="${ya.map(p.high).toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`);
      }
      const tip = `${s.name}: ${fmt(p.y)} at ${fmt(p.x)}${Number.isFinite(p.low) ? ` [${fmt(p.low)}, ${fmt(p.high)}]` : ''}`;
      parts.push(`<circle cx="${cx}" cy="${ya.map(p.y).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(tip)}</title></circle>`);
    }
    const ly = top + 8 + i * 20;
    parts.push(
      `<line x1="${width - right + 16}" y1="${ly}" x2="${width - right + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${width - right + 46}" y="${ly + 4}" class="legend">${esc(s.name)}</text>`,
    );
  });
  const note = `${curve.x?.log ? 'log x' : 'linear x'}, ${curve.y?.log ? 'log y' : 'linear y'}; whiskers: ${curve.interval ?? 'the interval the scenario reports'}. ${curve.scenario} on Node ${curve.node ?? '?'}${curve.date ? `, ${curve.date.slice(0, 10)}` : ''}.`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(curve.title)}">
<style>
  text { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 12px; fill: #24292f; }
  .head { font-size: 15px; font-weight: 600; }
  .note, .tick { fill: #57606a; font-size: 11px; }
  .legend { font-size: 11px; }
  .grid { stroke: #d0d7de; stroke-width: 1; }
  .axis { fill: #24292f; font-weight: 600; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="22" class="head">${esc(curve.title)}</text>
<text x="12" y="40" class="note">${esc(note)}</text>
${parts.join('\n')}
<text x="${(left + width - right) / 2}" y="${height - 14}" class="axis" text-anchor="middle">${esc(curve.x?.label ?? 'x')}</text>
<text x="16" y="${(top + height - bottom) / 2}" class="axis" text-anchor="middle" transform="rotate(-90 16 ${(top + height - bottom) / 2})">${esc(curve.y?.label ?? 'y')}</text>
</svg>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = process.argv[2] ?? join(here, '..', '..', 'docs');
  const curves = loadCurves();
  if (curves.length === 0) {
    console.error(`no curves in ${resultsDir}: run the scaling scenarios first (npm run bench -- scaling)`);
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  for (const c of curves) {
    // The same scenario run on another Node (results/<name>.node24.json) gets its own file.
    const suffix = c.scenario.includes('.') ? `-${c.scenario.split('.').slice(1).join('-')}` : '';
    const file = join(outDir, `bench-${c.id}${suffix}.svg`);
    writeFileSync(file, renderCurve(c));
    console.log(`wrote ${file} (${c.series.length} series, from ${c.scenario})`);
  }
}
