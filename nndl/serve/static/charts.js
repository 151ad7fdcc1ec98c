// A small line chart on a canvas: several series, each with a colour and a dash pattern.
"use strict";

nndl.lineChart = function (canvas, series, opts) {
  const ratio = window.devicePixelRatio || 1;
  const W = canvas.clientWidth, H = canvas.clientHeight;
  canvas.width = W * ratio;
  canvas.height = H * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, W, H);
  const m = {left: 52, right: 12, top: 10, bottom: 30};
  const pts = series.flatMap((s) => s.values.map((v, i) => [i + 1, v])).filter(([, v]) => v !== null && isFinite(v));
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#677086";
  if (!pts.length) { ctx.fillText("no epochs yet", W / 2 - 30, H / 2); return; }
  const xmax = Math.max(2, ...pts.map((p) => p[0]));
  let ymin = Math.min(...pts.map((p) => p[1])), ymax = Math.max(...pts.map((p) => p[1]));
  if (ymax - ymin < 1e-9) { ymin -= 0.5; ymax += 0.5; }
  const pad = (ymax - ymin) * 0.05;
  ymin -= pad; ymax += pad;
  const X = (x) => m.left + (x - 1) / (xmax - 1) * (W - m.left - m.right);
  const Y = (y) => H - m.bottom - (y - ymin) / (ymax - ymin) * (H - m.top - m.bottom);
  ctx.strokeStyle = "#d8dce6";
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {                       // horizontal grid and y labels
    const y = ymin + (ymax - ymin) * k / 4;
    ctx.beginPath(); ctx.moveTo(m.left, Y(y)); ctx.lineTo(W - m.right, Y(y)); ctx.stroke();
    ctx.fillText(opts.format(y), 4, Y(y) + 4);
  }
  const step = Math.max(1, Math.ceil((xmax - 1) / 8));
  for (let x = 1; x <= xmax; x += step) ctx.fillText(String(x), X(x) - 3, H - m.bottom + 14);
  ctx.fillText("epoch", W - m.right - 30, H - 4);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.8;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let started = false;
    s.values.forEach((v, i) => {
      if (v === null || !isFinite(v)) { started = false; return; }
      if (started) ctx.lineTo(X(i + 1), Y(v)); else ctx.moveTo(X(i + 1), Y(v));
      started = true;
    });
    ctx.stroke();
    if (s.values.length === 1 && s.values[0] !== null) {   // a single epoch: a dot
      ctx.fillStyle = s.color;
      ctx.beginPath(); ctx.arc(X(1), Y(s.values[0]), 3, 0, 2 * Math.PI); ctx.fill();
    }
  }
  ctx.setLineDash([]);
};
