// A small time-series line chart on <canvas>: the last `windowMs` up to `now` on the x axis, 0 to a
// rounded maximum on the y axis, one line per series, gaps where a value is missing. No library.
(function () {
  "use strict";

  const GRID = "#29313c";
  const LABEL = "#8c96a5";
  const FONT = "11px system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif";
  const PAD = { right: 10, top: 8, bottom: 20 };

  /** A "nice" upper bound for the axis: 1, 2, 2.5 or 5 times a power of ten, at least `max`. */
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(max)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * power >= max) return step * power;
    }
    return 10 * power;
  }

  /** A "nice" upper bound in powers of 1024 (for bytes): 1, 2, 2.5 or 5 times KiB, MiB, GiB… */
  function niceMaxBinary(max) {
    if (!(max > 0)) return 1;
    const unit = Math.pow(1024, Math.max(0, Math.floor(Math.log(max) / Math.log(1024))));
    return niceMax(max / unit) * unit;
  }

  function clock(ms, seconds) {
    return new Date(ms).toTimeString().slice(0, seconds ? 8 : 5);
  }

  /** Where the plot starts: after the widest y label. */
  function leftOf(g, labels) {
    let widest = 0;
    for (const l of labels) widest = Math.max(widest, g.measureText(l).width);
    return Math.ceil(widest) + 14;
  }

  /**
   * Draws the chart. `opts`: { series: [{label, color, t: [ms], v: [number|null]}], windowMs, now,
   * format: value → axis label, binary: bytes (nice bounds in powers of 1024), hoverX: pixel or null }.
   * Returns the number of points drawn.
   */
  function draw(canvas, opts) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return 0;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const from = opts.now - opts.windowMs;
    let max = 0;
    let points = 0;
    for (const s of opts.series) {
      for (let i = 0; i < s.t.length; i++) {
        const v = s.v[i];
        if (v === null || v === undefined || s.t[i] < from) continue;
        if (v > max) max = v;
      }
    }
    const top = opts.binary ? niceMaxBinary(max) : niceMax(max);
    g.font = FONT;
    const ticks = [0, 0.5, 1].map((f) => ({ v: top * f, label: opts.format(top * f) }));
    const left = leftOf(g, ticks.map((t) => t.label));
    const plotW = width - left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const x = (t) => left + ((t - from) / opts.windowMs) * plotW;
    const y = (v) => PAD.top + plotH - (v / top) * plotH;

    // grid and y labels: 0, half, top
    g.textBaseline = "middle";
    g.lineWidth = 1;
    for (const tick of ticks) {
      const yy = Math.round(y(tick.v)) + 0.5;
      g.strokeStyle = GRID;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(width - PAD.right, yy);
      g.stroke();
      g.fillStyle = LABEL;
      g.textAlign = "right";
      g.fillText(tick.label, left - 8, yy);
    }
    // x labels: start, middle, now (with seconds when the window is short)
    const seconds = opts.windowMs < 5 * 60 * 1000;
    g.textBaseline = "alphabetic";
    const labelY = height - 5;
    g.textAlign = "left";
    g.fillText(clock(from, seconds), left, labelY);
    g.textAlign = "center";
    g.fillText(clock(from + opts.windowMs / 2, seconds), left + plotW / 2, labelY);
    g.textAlign = "right";
    g.fillText("now", width - PAD.right, labelY);

    // lines
    g.save();
    g.beginPath();
    g.rect(left, PAD.top - 2, plotW + 2, plotH + 4);
    g.clip();
    for (const s of opts.series) {
      g.strokeStyle = s.color;
      g.lineWidth = 1.75;
      g.lineJoin = "round";
      g.beginPath();
      let drawing = false;
      let last = null;
      for (let i = 0; i < s.t.length; i++) {
        const v = s.v[i];
        if (v === null || v === undefined) { drawing = false; continue; }
        if (s.t[i] < from) continue;
        points++;
        const px = x(s.t[i]);
        const py = y(v);
        if (drawing) g.lineTo(px, py); else g.moveTo(px, py);
        drawing = true;
        last = [px, py];
      }
      g.stroke();
      if (last) {
        g.fillStyle = s.color;
        g.beginPath();
        g.arc(last[0], last[1], 2.5, 0, Math.PI * 2);
        g.fill();
      }
    }
    g.restore();

    // hover: a vertical rule at the pointer and a dot on each line at the nearest point
    canvas.dataset.plotLeft = left;
    if (opts.hoverX !== null && opts.hoverX !== undefined && opts.hoverX >= left && opts.hoverX <= width - PAD.right) {
      const t = from + ((opts.hoverX - left) / plotW) * opts.windowMs;
      g.strokeStyle = "#5b6575";
      g.beginPath();
      g.moveTo(Math.round(opts.hoverX) + 0.5, PAD.top);
      g.lineTo(Math.round(opts.hoverX) + 0.5, PAD.top + plotH);
      g.stroke();
      for (const s of opts.series) {
        const i = nearest(s.t, t);
        if (i < 0 || s.v[i] === null || s.v[i] === undefined) continue;
        g.fillStyle = s.color;
        g.beginPath();
        g.arc(x(s.t[i]), y(s.v[i]), 3.5, 0, Math.PI * 2);
        g.fill();
      }
    }
    return points;
  }

  /** The index of the time nearest `t` in sorted `times`, or -1. */
  function nearest(times, t) {
    if (times.length === 0) return -1;
    let lo = 0, hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < t) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && Math.abs(times[lo - 1] - t) < Math.abs(times[lo] - t)) lo--;
    return lo;
  }

  /** The time under a pointer x, for the caption while hovering. */
  function timeAt(canvas, hoverX, now, windowMs) {
    const left = Number(canvas.dataset.plotLeft || 0);
    const plotW = canvas.clientWidth - left - PAD.right;
    const t = now - windowMs + ((hoverX - left) / plotW) * windowMs;
    return t < now - windowMs || t > now ? null : t;
  }

  window.MarinaChart = { draw, nearest, timeAt, niceMax, niceMaxBinary };
})();
