// The draw page: a canvas to draw on (pointer events: mouse, pen, touch), undo/clear, image drops,
// and the network's view of the drawing from /api/activations, refreshed while drawing.
"use strict";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const modelSelect = document.getElementById("model");
const errorBox = document.getElementById("error");
const STROKE = 18;              // pen width in canvas pixels (a 280-px canvas: MNIST-like strokes)
let strokes = [];               // each stroke: {points: [[x, y], ...]} or {image: ImageBitmap}
let current = null;
let inFlight = false, dirty = false;

// ---------------------------------------------------------------- drawing

function blank() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
}

function drawStroke(s) {
  if (s.image) {
    // a dropped picture, fitted into the canvas keeping its aspect ratio
    const k = Math.min(pad.width / s.image.width, pad.height / s.image.height);
    const w = s.image.width * k, h = s.image.height * k;
    ctx.drawImage(s.image, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    return;
  }
  ctx.strokeStyle = "#000";
  ctx.fillStyle = "#000";
  ctx.lineWidth = STROKE;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  const p = s.points;
  if (p.length === 1) {
    ctx.beginPath();
    ctx.arc(p[0][0], p[0][1], STROKE / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(p[0][0], p[0][1]);
  for (let i = 1; i < p.length; i++) ctx.lineTo(p[i][0], p[i][1]);
  ctx.stroke();
}

function redraw() {
  blank();
  strokes.forEach(drawStroke);
}

function position(event) {
  const r = pad.getBoundingClientRect();
  return [(event.clientX - r.left) * pad.width / r.width, (event.clientY - r.top) * pad.height / r.height];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  current = {points: [position(event)]};
  strokes.push(current);
  drawStroke(current);
  changed();
});

pad.addEventListener("pointermove", (event) => {
  if (!current) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of (events.length ? events : [event])) current.points.push(position(e));
  redraw();
  changed();
});

function endStroke() {
  if (!current) return;
  current = null;
  changed();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

document.getElementById("clear").addEventListener("click", () => { strokes = []; redraw(); changed(); });
document.getElementById("undo").addEventListener("click", () => { strokes.pop(); redraw(); changed(); });

// Dropped image files are drawn onto the canvas (undo removes them), then classified from it.
document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", async (event) => {
  event.preventDefault();
  document.body.classList.remove("dragging");
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (!file) return;
  try {
    const image = await createImageBitmap(file);
    strokes = [{image}];
    redraw();
    changed();
  } catch (e) {
    showError(`cannot read ${file.name} as an image`);
  }
});

// ---------------------------------------------------------------- asking the server

function changed() {
  dirty = true;
  if (!inFlight) send();
}

function canvasBlob() {
  return new Promise((resolve) => pad.toBlob(resolve, "image/png"));
}

async function send() {
  dirty = false;
  if (!strokes.length) { showEmpty(); return; }
  inFlight = true;
  document.body.dataset.state = "busy";
  try {
    const blob = await canvasBlob();
    const model = encodeURIComponent(modelSelect.value || "");
    const result = await nndl.json(`/api/activations?model=${model}`,
                                   {method: "POST", headers: {"Content-Type": "image/png"}, body: blob});
    if (!dirty) show(result);
    showError("");
  } catch (e) {
    if (!dirty) showError(e.message);
  } finally {
    inFlight = false;
    if (dirty) send();
    else {
      document.body.dataset.state = "ready";
      document.body.dataset.predictions = String(Number(document.body.dataset.predictions) + 1);
    }
  }
}

function showError(message) { errorBox.textContent = message; }

// ---------------------------------------------------------------- showing the answer

const bars = [];
(function makeBars() {
  const box = document.getElementById("probs");
  for (let d = 0; d < 10; d++) {
    const bar = nndl.element("div", {class: "bar", "data-digit": d});
    bar.appendChild(document.createElement("div"));
    const num = nndl.element("span", {class: "num"}, "");
    box.append(nndl.element("span", {}, String(d)), bar, num);
    bars.push({bar, num});
  }
})();

function showEmpty() {
  document.getElementById("answer").textContent = "";
  document.getElementById("answer").removeAttribute("data-digit");
  bars.forEach(({bar, num}) => { bar.firstChild.style.width = "0"; bar.dataset.p = ""; num.textContent = ""; bar.classList.remove("top"); });
  nndl.paint(document.getElementById("seen"), new Array(784).fill(0), 28, "gray");
  document.getElementById("layers").replaceChildren(nndl.element("p", {class: "hint"}, "Draw to see each layer's activations."));
  document.getElementById("weights-box").hidden = true;
  document.body.dataset.state = "ready";
}

function show(result) {
  const answer = document.getElementById("answer");
  answer.textContent = String(result.digit);
  answer.dataset.digit = String(result.digit);
  result.probabilities.forEach((p, d) => {
    const {bar, num} = bars[d];
    bar.firstChild.style.width = `${(100 * p).toFixed(1)}%`;
    bar.dataset.p = String(p);
    bar.classList.toggle("top", d === result.digit);
    num.textContent = `${(100 * p).toFixed(1)}%`;
  });
  nndl.paint(document.getElementById("seen"), result.input, 28, "gray");
  showLayers(result.layers || []);
  showWeights(result.first_layer_weights);
}

function showLayers(layers) {
  const box = document.getElementById("layers");
  const parts = [];
  layers.forEach((layer, i) => {
    if (layer.type === "Flatten" || layer.type === "Dropout") return;
    const div = nndl.element("div", {class: "layer", "data-type": layer.type});
    const what = `${layer.type}${layer.activation ? " " + layer.activation : ""}, ${layer.shape.join("×")}`;
    div.appendChild(nndl.element("h3", {}, `layer ${i + 1}: ${what}${i === layers.length - 1 ? " (output)" : ""}`));
    if (layer.shape.length === 3) {          // feature maps (K, H, W): one small image each
      const maps = nndl.element("div", {class: "maps"});
      const [k, h, w] = layer.shape;
      for (let m = 0; m < k; m++) {
        const c = nndl.element("canvas", {class: "pixelated", title: `map ${m}`});
        nndl.paint(c, layer.values[m].flat(), w, "auto");
        maps.appendChild(c);
      }
      div.appendChild(maps);
    } else {                                  // units of a fully-connected layer as a grid
      const n = layer.values.length;
      const cols = n <= 16 ? n : Math.ceil(Math.sqrt(n));
      const padded = layer.values.concat(new Array(cols * Math.ceil(n / cols) - n).fill(0));
      const c = nndl.element("canvas", {class: "units pixelated", title: `${n} units`});
      nndl.paint(c, padded, cols, layer.activation === "sigmoid" || layer.activation === "softmax" ? "gray" : "auto");
      c.style.width = `${Math.min(200, cols * 14)}px`;
      div.appendChild(c);
    }
    parts.push(div);
  });
  box.replaceChildren(...parts);
}

function showWeights(weights) {
  const box = document.getElementById("weights-box");
  box.hidden = !weights;
  if (!weights) return;
  const figures = weights.map((w) => {
    const fig = nndl.element("figure");
    fig.appendChild(nndl.paint(nndl.element("canvas", {class: "pixelated"}), w.weights, 28, "diverging"));
    fig.appendChild(nndl.element("figcaption", {}, `unit ${w.unit}: ${w.activation.toFixed(2)}`));
    return fig;
  });
  document.getElementById("weights").replaceChildren(...figures);
}

// ---------------------------------------------------------------- models

async function loadModels() {
  try {
    const {models, default: chosen} = await nndl.json("/api/models");
    const wanted = new URLSearchParams(location.search).get("model");
    modelSelect.replaceChildren(...models.map((m) => nndl.element("option", {value: m.name}, `${m.name} (${m.kind})`)));
    if (!models.length) showError("No models yet: train one with 'nndl train', or name a model file when starting 'nndl serve'.");
    modelSelect.value = models.some((m) => m.name === wanted) ? wanted : chosen || "";
  } catch (e) {
    showError(e.message);
  }
  document.body.dataset.models = "loaded";
}

modelSelect.addEventListener("change", changed);
blank();
showEmpty();
loadModels();
