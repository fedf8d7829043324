/**
 * The drill report's charts as plain SVG: a line chart and a band chart over time, with vertical
 * marks for the drill's events. Drawn here rather than with a chart library: those that render on a
 * server need a DOM or a native canvas (vega, chart.js), for three small charts whose shapes are fixed.
 */

export interface ChartMark {
  /** seconds from the start */
  t: number;
  label: string;
}

export interface LineSeries {
  name: string;
  /** [seconds from the start, value] in time order */
  points: [number, number][];
  dashed?: boolean;
}

const W = 900;
const PAD = { left: 56, right: 150, top: 34, bottom: 36 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
export const colourOf = (i: number) => PALETTE[i % PALETTE.length]!;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

/** A round step for an axis of `span` with about `count` ticks. */
function step(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

function frame(title: string, height: number, duration: number, marks: ChartMark[], body: string[], yAxis: string[]): string {
  const x = (t: number) => PAD.left + (t / Math.max(duration, 1)) * (W - PAD.left - PAD.right);
  const bottom = height - PAD.bottom;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`, `<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`];
  const ts = step(duration, 10);
  for (let t = 0; t <= duration; t += ts) {
    out.push(`<line x1="${fixed(x(t))}" y1="${PAD.top}" x2="${fixed(x(t))}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${fixed(x(t))}" y="${bottom + 14}" text-anchor="middle" fill="#555">${fixed(t)}</text>`);
  }
  out.push(`<text x="${(W - PAD.right + PAD.left) / 2}" y="${height - 6}" text-anchor="middle" fill="#555">seconds from the start of the drill</text>`);
  out.push(...yAxis, ...body);
  marks.forEach((m, i) => {
    const mx = fixed(x(m.t));
    out.push(`<line x1="${mx}" y1="${PAD.top}" x2="${mx}" y2="${bottom}" stroke="#333" stroke-dasharray="3,3"/>`,
      // labels step down in four rows, so that marks close in time stay readable
      `<text x="${fixed(x(m.t) + 3)}" y="${PAD.top + 10 + (i % 4) * 11}" fill="#333" font-size="10">${esc(m.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** `gap`: points further apart than this many seconds are not joined (nothing was known between them). */
export function lineChart(o: { title: string; yLabel: string; duration: number; series: LineSeries[]; marks: ChartMark[]; height?: number; gap?: number }):
string {
  const height = o.height ?? 300;
  const bottom = height - PAD.bottom;
  const max = Math.max(1, ...o.series.flatMap((s) => s.points.map((p) => p[1])));
  const ys = step(max, 5);
  const top = Math.ceil(max / ys) * ys;
  const x = (t: number) => PAD.left + (t / Math.max(o.duration, 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => bottom - (v / top) * (bottom - PAD.top);
  const axis = [`<text x="14" y="${(PAD.top + bottom) / 2}" transform="rotate(-90 14 ${(PAD.top + bottom) / 2})" text-anchor="middle" fill="#555">${esc(o.yLabel)}</text>`];
  for (let v = 0; v <= top; v += ys) {
    axis.push(`<line x1="${PAD.left}" y1="${fixed(y(v))}" x2="${W - PAD.right}" y2="${fixed(y(v))}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${fixed(y(v) + 4)}" text-anchor="end" fill="#555">${fixed(v)}</text>`);
  }
  const body = o.series.flatMap((s, i) => {
    const gap = o.gap ?? Infinity;
    const d = s.points.map((p, k) => `${k && p[0] - s.points[k - 1]![0] <= gap ? 'L' : 'M'}${fixed(x(p[0]))},${fixed(y(p[1]))}`).join(' ');
    return [d ? `<path d="${d}" fill="none" stroke="${colourOf(Math.floor(i / (o.series.some((z) => z.dashed) ? 2 : 1)))}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>` : '',
      `<text x="${W - PAD.right + 8}" y="${PAD.top + 14 * i + 8}" fill="${colourOf(Math.floor(i / (o.series.some((z) => z.dashed) ? 2 : 1)))}">${esc(s.name)}</text>`];
  });
  return frame(o.title, height, o.duration, o.marks, body, axis);
}

/** Rows of coloured spans over time: what each client region's DNS answer named (a span per answer). */
export function bandChart(o: { title: string; duration: number; rows: { name: string; spans: { from: number; to: number; value: string }[] }[];
  values: string[]; marks: ChartMark[] }): string {
  const rowH = 26;
  // the rows begin below the marks' four rows of labels
  const first = PAD.top + 48;
  const height = first + PAD.bottom + rowH * o.rows.length;
  const x = (t: number) => PAD.left + (t / Math.max(o.duration, 1)) * (W - PAD.left - PAD.right);
  const colour = (v: string) => (v === 'none' ? '#bbb' : colourOf(Math.max(0, o.values.indexOf(v))));
  const body = o.rows.flatMap((r, i) => {
    const top = first + i * rowH;
    return [`<text x="${PAD.left - 6}" y="${top + rowH / 2 + 2}" text-anchor="end" fill="#333">${esc(r.name)}</text>`,
      ...r.spans.map((s) => `<rect x="${fixed(x(s.from))}" y="${top}" width="${fixed(Math.max(0.5, x(s.to) - x(s.from)))}" height="${rowH - 8}" fill="${colour(s.value)}"/>`)];
  });
  const legend = [...o.values, 'none'].map((v, i) => `<rect x="${W - PAD.right + 8}" y="${PAD.top + 14 * i}" width="10" height="10" fill="${colour(v)}"/>`
    + `<text x="${W - PAD.right + 22}" y="${PAD.top + 14 * i + 9}" fill="#333">${esc(v === 'none' ? 'no answer' : `DC ${v}`)}</text>`);
  return frame(o.title, height, o.duration, o.marks, [...body, ...legend], []);
}
