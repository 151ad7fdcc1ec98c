// The runs page: the runs table, learning curves of the ticked runs (live while a run trains,
// by polling), and a run's confusion matrix and misclassified digits.
"use strict";

const COLORS = ["#2f6fdf", "#d2572b", "#1a7f37", "#8250df", "#bf8700", "#0a8a8a", "#cf222e", "#57606a"];
const POLL_MS = Number(new URLSearchParams(location.search).get("poll")) || 2000;
const ticked = new Set();
const histories = {};           // run name → {status, history}
let known = [];                 // the last /api/runs rows
let firstLoad = true;

function colorOf(name) {
  return COLORS[known.findIndex((r) => r.name === name) % COLORS.length];
}

async function refresh() {
  try {
    const {runs, runs_root} = await nndl.json("/api/runs");
    document.getElementById("root").textContent = `runs folder: ${runs_root}`;
    known = runs;
    if (firstLoad) runs.slice(0, 4).forEach((r) => ticked.add(r.name));
    firstLoad = false;
    // fetch the history of each ticked run that is new, or still training
    await Promise.all(runs.filter((r) => ticked.has(r.name) &&
        (!histories[r.name] || histories[r.name].status === "training" || r.status === "training" ||
         histories[r.name].epochs_done !== r.epochs_done))
      .map(async (r) => { histories[r.name] = await nndl.json(`/api/runs/${encodeURIComponent(r.name)}`); }));
    showTable();
    showCharts();
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = e.message;
  }
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
}

function showTable() {
  const rows = known.map((r) => {
    const tr = nndl.element("tr", {"data-run": r.name, "data-status": r.status, "data-epochs": r.epochs_done});
    const box = nndl.element("input", {type: "checkbox", "aria-label": `overlay ${r.name}`});
    box.checked = ticked.has(r.name);
    box.addEventListener("change", () => { box.checked ? ticked.add(r.name) : ticked.delete(r.name); refresh(); });
    const name = nndl.element("a", {href: "#", class: "run-name"}, r.name);
    name.addEventListener("click", (e) => { e.preventDefault(); showDetail(r.name); });
    const swatch = nndl.element("span", {class: "swatch"});
    swatch.style.background = colorOf(r.name);
    const s = r.settings || {};
    const cells = [[box], [swatch, " ", name], [nndl.element("span", {class: `status-${r.status}`}, r.status)],
      [`${r.epochs_done}/${r.epochs ?? "?"}`], [`[${(s.sizes || []).join(",")}] ${s.activation || ""}/${s.cost || ""}`],
      [`${s.eta}, ${s.lmbda}, ${s.batch_size}`], [s.optimizer || ""],
      [nndl.percent(r.best_val_accuracy)], [nndl.percent(r.test_accuracy)]];
    for (const parts of cells) {
      const td = document.createElement("td");
      td.append(...parts);
      tr.appendChild(td);
    }
    return tr;
  });
  document.querySelector("#runs tbody").replaceChildren(...rows);
}

function showCharts() {
  const chosen = known.filter((r) => ticked.has(r.name) && histories[r.name]);
  const series = (train, val) => chosen.flatMap((r) => {
    const h = histories[r.name].history || {};
    return [{name: r.name, color: colorOf(r.name), values: h[train] || []},
            {name: r.name, color: colorOf(r.name), values: h[val] || [], dash: [6, 4]}];
  });
  nndl.lineChart(document.getElementById("accuracy"), series("accuracy", "val_accuracy"),
                 {format: (v) => (100 * v).toFixed(1) + "%"});
  nndl.lineChart(document.getElementById("cost"), series("cost", "val_cost"), {format: (v) => v.toFixed(3)});
  const legend = chosen.map((r) => {
    const n = ((histories[r.name].history || {}).epoch || []).length;
    const item = nndl.element("span", {"data-run": r.name, "data-points": n}, ` ${r.name} (${n} epochs)  `);
    const sw = nndl.element("span", {class: "swatch"});
    sw.style.background = colorOf(r.name);
    item.prepend(sw);
    return item;
  });
  document.getElementById("legend").replaceChildren(...legend);
}

async function showDetail(name) {
  const box = document.getElementById("detail");
  const body = document.getElementById("detail-body");
  box.hidden = false;
  box.dataset.run = name;
  document.querySelectorAll("#runs tr").forEach((tr) => tr.classList.toggle("chosen", tr.dataset.run === name));
  document.getElementById("detail-title").textContent = `${name}: evaluating on the test set…`;
  body.replaceChildren();
  try {
    const ev = await nndl.json(`/api/runs/${encodeURIComponent(name)}/evaluation`);
    if (box.dataset.run !== name) return;
    document.getElementById("detail-title").textContent =
      `${name} (${ev.model}): ${nndl.percent(ev.accuracy)} of ${ev.n} ${ev.split} digits correct`;
    body.replaceChildren(confusionTable(ev), nndl.element("h2", {}, "Misclassified digits (true → predicted)"), gallery(ev));
    box.dataset.loaded = name;
  } catch (e) {
    document.getElementById("detail-title").textContent = `${name}: ${e.message}`;
  }
}

function confusionTable(ev) {
  const table = nndl.element("table", {class: "confusion"});
  const head = nndl.element("tr");
  head.append(nndl.element("th", {}, "true \\ predicted"), ...[...Array(10).keys()].map((d) => nndl.element("th", {}, String(d))),
              nndl.element("th", {}, "accuracy"));
  table.appendChild(head);
  ev.confusion_matrix.forEach((row, t) => {
    const tr = nndl.element("tr");
    tr.appendChild(nndl.element("th", {}, String(t)));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const td = nndl.element("td", {}, String(count));
      const share = count / total;
      td.style.background = p === t ? `rgba(26,127,55,${0.15 + 0.5 * share})` : count ? `rgba(207,34,46,${Math.min(0.6, 0.1 + 4 * share)})` : "";
      tr.appendChild(td);
    });
    tr.appendChild(nndl.element("td", {}, nndl.percent(ev.per_class_accuracy[t])));
    table.appendChild(tr);
  });
  return table;
}

function gallery(ev) {
  const box = nndl.element("div", {class: "gallery"});
  for (const m of ev.misclassified) {
    const fig = nndl.element("figure");
    fig.appendChild(nndl.paint(nndl.element("canvas", {class: "pixelated"}), m.pixels, ev.image_side, "ink"));
    fig.appendChild(nndl.element("figcaption", {}, `${m.label}→${m.predicted}`));
    box.appendChild(fig);
  }
  return box;
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}
poll();
