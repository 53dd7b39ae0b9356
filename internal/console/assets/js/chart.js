// A small time-series line chart drawn on a canvas: a fixed time window
// ending now, a few series, y-axis ticks and a legend with the latest
// values. Gaps (null values) break the line.

export class LineChart {
  constructor(canvas, opts) {
    this.canvas = canvas;
    this.opts = Object.assign({ windowMs: 5 * 60 * 1000, format: (v) => String(v), min: 0, max: null }, opts);
    this.series = this.opts.series.map((s) => ({ ...s, points: [] }));
    this.ro = new ResizeObserver(() => this.draw());
    this.ro.observe(canvas);
  }

  // push adds a point per series at time t (ms); values[i] may be null.
  push(t, values) {
    const cut = t - this.opts.windowMs - 60000;
    this.series.forEach((s, i) => {
      s.points.push([t, values[i]]);
      while (s.points.length && s.points[0][0] < cut) s.points.shift();
    });
  }

  destroy() { this.ro.disconnect(); }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, hgt = c.clientHeight;
    if (!w || !hgt) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(hgt * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const css = getComputedStyle(c);
    const grid = css.getPropertyValue('--chart-grid').trim() || '#e5e7eb';
    const text = css.getPropertyValue('--chart-text').trim() || '#6b7280';
    const padL = 56, padR = 10, padT = 8, padB = 20;
    const pw = w - padL - padR, ph = hgt - padT - padB;
    const now = Date.now();
    // The window grows with the history, from 30 seconds up to windowMs.
    let first = now;
    for (const s of this.series) if (s.points.length && s.points[0][0] < first) first = s.points[0][0];
    const win = Math.min(this.opts.windowMs, Math.max(30000, now - first));
    const t0 = now - win;
    let maxV = this.opts.max;
    if (maxV === null) {
      maxV = 0;
      for (const s of this.series) for (const [t, v] of s.points) if (t >= t0 && v !== null && v > maxV) maxV = v;
      maxV = niceMax(maxV);
    }
    const minV = this.opts.min;
    const x = (t) => padL + (t - t0) / win * pw;
    const y = (v) => padT + ph - (v - minV) / (maxV - minV || 1) * ph;
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    // Horizontal grid and y labels.
    g.fillStyle = text;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const v = minV + (maxV - minV) * i / 4;
      const yy = Math.round(y(v)) + 0.5;
      g.strokeStyle = grid;
      g.beginPath(); g.moveTo(padL, yy); g.lineTo(w - padR, yy); g.stroke();
      g.fillText(this.opts.format(v), padL - 6, yy);
    }
    // Time labels every minute.
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const step = win > 6 * 60000 ? 120000 : win > 150000 ? 60000 : win > 90000 ? 30000 : win > 45000 ? 15000 : 10000;
    for (let t = Math.ceil(t0 / step) * step; t <= now; t += step) {
      const xx = Math.round(x(t)) + 0.5;
      g.strokeStyle = grid;
      g.beginPath(); g.moveTo(xx, padT); g.lineTo(xx, padT + ph); g.stroke();
      const d = new Date(t);
      const p2 = (v) => String(v).padStart(2, '0');
      g.fillText(p2(d.getHours()) + ':' + p2(d.getMinutes()) + (step < 60000 ? ':' + p2(d.getSeconds()) : ''), xx, padT + ph + 5);
    }
    // Series.
    for (const s of this.series) {
      g.strokeStyle = s.color;
      g.lineWidth = 1.75;
      g.lineJoin = 'round';
      g.beginPath();
      let pen = false;
      for (const [t, v] of s.points) {
        if (t < t0 - 5000) continue;
        if (v === null || v === undefined) { pen = false; continue; }
        const px = Math.max(padL, x(t)), py = y(Math.min(v, maxV));
        if (pen) g.lineTo(px, py); else g.moveTo(px, py);
        pen = true;
      }
      g.stroke();
      if (s.fill) {
        const pts = s.points.filter(([t, v]) => t >= t0 - 5000 && v !== null);
        if (pts.length > 1) {
          g.globalAlpha = 0.12;
          g.fillStyle = s.color;
          g.beginPath();
          g.moveTo(Math.max(padL, x(pts[0][0])), y(minV));
          for (const [t, v] of pts) g.lineTo(Math.max(padL, x(t)), y(Math.min(v, maxV)));
          g.lineTo(x(pts[pts.length - 1][0]), y(minV));
          g.closePath();
          g.fill();
          g.globalAlpha = 1;
        }
      }
    }
    if (this.series.every((s) => s.points.length === 0)) {
      g.fillStyle = text;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('collecting samples…', padL + pw / 2, padT + ph / 2);
    }
  }

  // latest returns the last non-null value of series i.
  latest(i) {
    const pts = this.series[i].points;
    for (let k = pts.length - 1; k >= 0; k--) if (pts[k][1] !== null && pts[k][1] !== undefined) return pts[k][1];
    return null;
  }
}

function niceMax(v) {
  if (v <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10]) if (v <= m * exp) return m * exp;
  return 10 * exp;
}
