// Shared helpers of the nndl pages: JSON requests and drawing arrays as pictures.
"use strict";

const nndl = {};

// fetch + JSON; a non-2xx answer becomes an Error carrying the server's one-line message.
nndl.json = async function (url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
};

// Paint values (row-major, `width` per row) into a canvas of that size, one pixel each.
// mode "gray": 0 → black, 1 → white (MNIST as the network sees it, light digit on black);
// mode "ink": 0 → white, 1 → black (digits as people see them);
// mode "diverging": negative → blue, positive → red, scaled by the largest magnitude.
nndl.paint = function (canvas, values, width, mode) {
  const height = Math.round(values.length / width);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, height);
  let lo = Infinity, hi = -Infinity, mag = 0;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); mag = Math.max(mag, Math.abs(v)); }
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let r, g, b;
    if (mode === "diverging") {
      const t = mag > 0 ? v / mag : 0;
      r = t > 0 ? 255 : Math.round(255 * (1 + t));
      b = t < 0 ? 255 : Math.round(255 * (1 - t));
      g = Math.round(255 * (1 - Math.abs(t)));
    } else {
      let t = mode === "auto" ? (v - lo) / span : Math.min(1, Math.max(0, v));
      if (mode === "ink") t = 1 - t;
      r = g = b = Math.round(255 * t);
    }
    img.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
};

nndl.element = function (tag, attrs, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
};

nndl.percent = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(2) + "%");
