/**
 * Server-rendered SVG charts: a bar chart (one bar per label) and a step line (values over time). Each
 * is an `img` with a text alternative; pages show the same numbers in a table next to it.
 */
import { html, type SafeHtml } from './html.ts';

export interface Point {
  readonly label: string;
  readonly value: number;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 36, left: 64 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

function axis(max: number, unit: string): SafeHtml {
  const h = HEIGHT - PAD.top - PAD.bottom;
  return html`${[0, 0.5, 1].map((f) => {
    const y = PAD.top + h - f * h;
    return html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#d5d9e0"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${formatNumber(f * max)}${f === 1 ? html` ${unit}` : ''}</text>`;
  })}`;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) < 10 ? String(Math.round(n * 100) / 100) : n.toFixed(1);
}

/** Which labels to print under the axis: at most ~12, evenly spread. */
function labelEvery(count: number): number {
  return Math.max(1, Math.ceil(count / 12));
}

export function barChart(title: string, points: readonly Point[], unit: string): SafeHtml {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const slot = points.length === 0 ? w : w / points.length;
  const every = labelEvery(points.length);
  const summary = points.length === 0 ? 'no data' : points.map((p) => `${p.label}: ${formatNumber(p.value)} ${unit}`).join('; ');
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${title}: ${summary}" preserveAspectRatio="xMinYMin meet">
<title>${title}</title>
${axis(max, unit)}
${points.map((p, i) => {
  const bh = (p.value / max) * h;
  const x = PAD.left + i * slot + slot * 0.15;
  return html`<rect class="bar" x="${x.toFixed(1)}" y="${(PAD.top + h - bh).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${bh.toFixed(1)}"><title>${p.label}: ${formatNumber(p.value)} ${unit}</title></rect>${
    i % every === 0 ? html`<text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${p.label}</text>` : ''
  }`;
})}
${points.length === 0 ? html`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">No data in this range</text>` : ''}
</svg>`;
}

/** A step line: each value holds until the next point (peak concurrency per hour). */
export function stepChart(title: string, points: readonly Point[], unit: string): SafeHtml {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const step = points.length === 0 ? w : w / points.length;
  const y = (v: number): string => (PAD.top + h - (v / max) * h).toFixed(1);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${(PAD.left + i * step).toFixed(1)},${y(p.value)} H${(PAD.left + (i + 1) * step).toFixed(1)}`).join(' ');
  const every = labelEvery(points.length);
  const peak = points.reduce((best, p) => (p.value > best.value ? p : best), { label: '', value: 0 });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${title}: peak ${formatNumber(peak.value)} ${unit}${peak.label === '' ? '' : ` at ${peak.label}`}" preserveAspectRatio="xMinYMin meet">
<title>${title}</title>
${axis(max, unit)}
${points.length === 0 ? html`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">No data in this range</text>` : html`<path class="line" d="${path}"/>`}
${points.map((p, i) => (i % every === 0 ? html`<text x="${(PAD.left + i * step).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}">${p.label}</text>` : ''))}
</svg>`;
}
