// One checkpoint's details (GetCheckpointDetails): persistence diagrams, the Fourier spectrum,
// attention patterns per head, the LLC's loss traces and diagnostics, the phase probe. Drawn
// with the helpers of app.js (el, fmt, ticks, setFields, api, $), which runs before this file and
// calls renderDetails with each report.
"use strict";

/** What is on screen: re-fetched only when the experiment, its analysed steps or the chosen step change. */
const detailsShown = { experiment: null, steps: "", step: null };
const DIMENSION_NAMES = ["H0", "H1", "H2"];

/** The analysed steps: every series of a report has a value at each of them. */
function analysedSteps(report) {
  const steps = new Set();
  for (const s of report.series) for (const step of s.steps) steps.add(Number(step));
  return [...steps].sort((a, b) => a - b);
}

function renderDetails(report) {
  const steps = analysedSteps(report);
  $("details-empty").hidden = steps.length > 0;
  $("details-picker").hidden = steps.length === 0;
  if (!steps.length) {
    Object.assign(detailsShown, { experiment: report.experimentId, steps: "", step: null });
    $("details-heading").textContent = "Checkpoint";
    $("details-truncated").hidden = true;
    $("details-body").replaceChildren();
    return;
  }
  const slider = $("details-step");
  const key = steps.join(",");
  const sameExperiment = detailsShown.experiment === report.experimentId;
  if (sameExperiment && detailsShown.steps === key) return;
  const asked = Number(new URLSearchParams(location.search).get("step"));
  // Keep the reader's choice while a run adds checkpoints; else the URL's step, else the last one.
  const wanted = sameExperiment && detailsShown.step !== null ? detailsShown.step
    : steps.includes(asked) ? asked : steps[steps.length - 1];
  slider.max = String(steps.length - 1);
  slider.value = String(Math.max(0, steps.indexOf(wanted)));
  slider.dataset.steps = key;
  detailsShown.experiment = report.experimentId;
  detailsShown.steps = key;
  showStep(steps[Number(slider.value)]);
}

async function showStep(step) {
  detailsShown.step = step;
  $("details-step-value").textContent = String(step);
  $("details-heading").textContent = "Checkpoint at step " + step;
  const experiment = detailsShown.experiment;
  try {
    const details = await api("/api/experiments/" + encodeURIComponent(experiment)
      + "/checkpointDetails?step=" + step);
    if (detailsShown.experiment !== experiment || detailsShown.step !== step) return;
    drawDetails(details);
  } catch (e) {
    $("details-body").replaceChildren(el("p", { class: "error" },
      "Could not load the details of step " + step + ": " + e.message));
  }
}

function drawDetails(d) {
  $("details-truncated").hidden = !d.truncated;
  $("details-truncated").textContent = d.truncated ? "Cut to fit the stored size: " + d.truncation + "." : "";
  const parts = [];
  const clouds = d.clouds || [];
  parts.push(el("div", { class: "detail-block" }, el("h4", {}, "Persistence"),
    clouds.length ? el("div", { class: "detail-grid" }, clouds.map(persistenceDiagram))
      : el("p", { class: "muted" }, "No point cloud was analysed at this checkpoint.")));
  if (d.fourier && (d.fourier.spectrum || []).length) parts.push(fourierChart(d.fourier));
  const heads = (d.attention || []).filter((h) => h.pattern);
  if (heads.length) parts.push(attentionMaps(heads));
  if (d.llc) parts.push(llcSection(d.llc));
  if (d.phase) parts.push(phaseSection(d.phase));
  $("details-body").replaceChildren(...parts);
}

const PD = 240, PM = 34;

/** Birth against death with the diagonal; essential classes (death +inf) on a dashed line at the top. */
function persistenceDiagram(cloud) {
  const diagrams = cloud.diagrams || [];
  const pairs = diagrams.flatMap((g) => (g.pairs || []).map((p) => ({ dim: g.dimension || 0,
    birth: Number(p.birth || 0), death: Number(p.death || 0) })));
  const finite = pairs.flatMap((p) => Number.isFinite(p.death) ? [p.birth, p.death] : [p.birth]);
  const top = Math.max(1e-9, ...finite) * 1.08;
  // Finite values fill [PM, PD - 26]; the band above them is the line of the essential classes.
  const s = (v) => PM + (Math.min(v, top) / top) * (PD - PM - 26);
  const x = (v) => s(v), y = (v) => PD - s(v);
  const infinity = 13;
  const counts = diagrams.map((g) => DIMENSION_NAMES[g.dimension || 0] + " " + (g.pairs || []).length);
  const svg = el("svg:svg", { class: "diagram", viewBox: `0 0 ${PD} ${PD}`, role: "img", "data-cloud": cloud.name },
    el("svg:title", {}, "Persistence diagram of " + cloud.name),
    el("svg:desc", {}, cloud.points + " points; " + counts.join(", ")),
    el("svg:line", { class: "axis", x1: PM, y1: PD - PM, x2: PD - 10, y2: PD - PM }),
    el("svg:line", { class: "axis", x1: PM, y1: PD - PM, x2: PM, y2: 10 }),
    el("svg:line", { class: "diagonal", x1: x(0), y1: y(0), x2: x(top), y2: y(top) }),
    el("svg:line", { class: "infinity", x1: PM, y1: infinity, x2: PD - 10, y2: infinity }),
    el("svg:text", { class: "tick", x: PM - 4, y: infinity + 4, "text-anchor": "end" }, "\u221e"),
    el("svg:text", { class: "tick", x: PM, y: PD - PM + 14, "text-anchor": "middle" }, "0"),
    el("svg:text", { class: "tick", x: x(top), y: PD - PM + 14, "text-anchor": "end" }, fmt(top)),
    el("svg:text", { class: "tick", x: PM - 4, y: y(top) + 4, "text-anchor": "end" }, fmt(top)),
    el("svg:text", { class: "axis-label", x: (PM + PD) / 2, y: PD - 4, "text-anchor": "middle" }, "birth"),
    el("svg:text", { class: "axis-label", x: 10, y: PD / 2, transform: `rotate(-90 10 ${PD / 2})`, "text-anchor": "middle" }, "death"),
    pairs.map((p) => el("svg:circle", { class: "pd-point dim-" + p.dim, "data-dimension": String(p.dim),
      cx: x(p.birth), cy: Number.isFinite(p.death) ? y(p.death) : infinity, r: 3 },
      el("svg:title", {}, DIMENSION_NAMES[p.dim] + ": born " + fmt(p.birth) + ", dies "
        + (Number.isFinite(p.death) ? fmt(p.death) : "never")))));
  return el("figure", { class: "detail-card" },
    el("figcaption", {}, el("span", {}, cloud.name), el("span", { class: "muted" }, cloud.points + " points")),
    svg,
    el("p", { class: "legend" }, diagrams.map((g) => el("span", { class: "key dim-" + (g.dimension || 0) },
      DIMENSION_NAMES[g.dimension || 0] + " (" + (g.pairs || []).length + ")"))));
}

const FW = 520, FH = 200, FM = { left: 48, right: 10, top: 12, bottom: 34 };

/** The embedding's norm per frequency; the key frequencies are the highlighted bars. */
function fourierChart(f) {
  const spectrum = f.spectrum.map(Number);
  const key = new Set((f.keyFrequencies || []).map(Number));
  const hi = Math.max(1e-12, ...spectrum);
  const band = (FW - FM.left - FM.right) / spectrum.length;
  const y = (v) => FH - FM.bottom - (v / hi) * (FH - FM.top - FM.bottom);
  const every = Math.max(1, Math.ceil(spectrum.length / 12));
  const svg = el("svg:svg", { class: "spectrum", viewBox: `0 0 ${FW} ${FH}`, role: "img", "data-chart": "fourier" },
    el("svg:title", {}, "Fourier spectrum of the embedding"),
    el("svg:desc", {}, spectrum.length + " frequencies; key frequencies " + ([...key].join(", ") || "none")),
    ticks(0, hi).map((v) => [
      el("svg:line", { class: "grid", x1: FM.left, x2: FW - FM.right, y1: y(v), y2: y(v) }),
      el("svg:text", { class: "tick", x: FM.left - 5, y: y(v) + 4, "text-anchor": "end" }, fmt(v))]),
    spectrum.map((v, k) => el("svg:rect", { class: key.has(k) ? "bar bar-key" : "bar", "data-frequency": String(k),
      x: FM.left + k * band + band * 0.1, width: band * 0.8, y: y(v), height: FH - FM.bottom - y(v) },
      el("svg:title", {}, "k = " + k + ": " + fmt(v)))),
    spectrum.map((v, k) => k % every ? [] : el("svg:text", { class: "tick", x: FM.left + (k + 0.5) * band,
      y: FH - FM.bottom + 14, "text-anchor": "middle" }, String(k))),
    el("svg:text", { class: "axis-label", x: (FM.left + FW) / 2, y: FH - 4, "text-anchor": "middle" }, "frequency k"));
  const facts = [["Gini (embedding)", f.giniEmbedding], ["Gini (unembedding)", f.giniUnembedding],
    ["Restricted loss", f.restrictedLoss], ["Excluded loss", f.excludedLoss]].filter(([, v]) => v !== undefined);
  return el("div", { class: "detail-block" }, el("h4", {}, "Fourier spectrum"), svg,
    el("dl", { class: "config" }, facts.flatMap(([t, v]) => [el("dt", {}, t), el("dd", {}, fmt(v))])));
}

const CELL = 120;

/** One heatmap per head: query rows, key columns, darker is more attention. */
function attentionMaps(heads) {
  return el("div", { class: "detail-block" }, el("h4", {}, "Attention patterns"),
    el("p", { class: "muted" }, "Rows are queries, columns keys, each averaged over the probe inputs; darker is more attention."),
    el("div", { class: "heatmaps" }, heads.map((h) => {
      const p = h.pattern, rows = p.queries, cols = p.keys, w = (p.weights || []).map(Number);
      const hi = Math.max(1e-12, ...w);
      const cw = CELL / cols, ch = CELL / rows;
      const label = "Layer " + (h.layer || 0) + ", head " + (h.head || 0);
      const cells = [];
      for (let q = 0; q < rows; q++) for (let k = 0; k < cols; k++) {
        const v = w[q * cols + k] || 0;
        cells.push(el("svg:rect", { x: k * cw, y: q * ch, width: cw + 0.02, height: ch + 0.02,
          fill: "rgba(10, 88, 202, " + (v / hi).toFixed(3) + ")" }, el("svg:title", {}, "query " + q + ", key " + k + ": " + fmt(v))));
      }
      const source = p.sourceQueries !== rows || p.sourceKeys !== cols
        ? ", averaged down from " + p.sourceQueries + " x " + p.sourceKeys : "";
      return el("figure", { class: "heatmap-card" },
        el("svg:svg", { class: "heatmap", viewBox: `0 0 ${CELL} ${CELL}`, role: "img", "data-layer": String(h.layer || 0),
          "data-head": String(h.head || 0) }, el("svg:title", {}, label), cells),
        el("figcaption", {}, el("span", {}, label),
          el("span", { class: "muted" }, rows + " x " + cols + source + "; distance " + fmt(h.meanDistance || 0)
            + ", entropy " + fmt(h.normalisedEntropy || 0))));
    })));
}

const LW = 520, LH = 200, LM = { left: 52, right: 10, top: 12, bottom: 34 };
const CHAIN_COLOURS = ["#0a58ca", "#b42318", "#116329", "#7d4e00", "#6f42c1", "#424a53"];

/** Each chain's loss over its SGLD draws, the initial loss dashed; then the diagnostics per chain. */
function llcSection(llc) {
  const chains = llc.chains || [];
  const traces = chains.map((c) => (c.lossTrace || []).map(Number));
  const all = traces.flat().concat([Number(llc.initialLoss || 0)]);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (lo === hi) { lo -= 1; hi += 1; }
  const draws = Math.max(2, ...traces.map((t) => t.length));
  const x = (i) => LM.left + (i / (draws - 1)) * (LW - LM.left - LM.right);
  const y = (v) => LH - LM.bottom - ((v - lo) / (hi - lo)) * (LH - LM.top - LM.bottom);
  const svg = el("svg:svg", { class: "trace", viewBox: `0 0 ${LW} ${LH}`, role: "img", "data-chart": "llc-trace" },
    el("svg:title", {}, "LLC loss traces"),
    el("svg:desc", {}, chains.length + " chains of up to " + draws + " draws"),
    ticks(lo, hi).map((v) => [
      el("svg:line", { class: "grid", x1: LM.left, x2: LW - LM.right, y1: y(v), y2: y(v) }),
      el("svg:text", { class: "tick", x: LM.left - 5, y: y(v) + 4, "text-anchor": "end" }, fmt(v))]),
    el("svg:line", { class: "initial", x1: LM.left, x2: LW - LM.right, y1: y(Number(llc.initialLoss || 0)),
      y2: y(Number(llc.initialLoss || 0)) }, el("svg:title", {}, "initial loss " + fmt(llc.initialLoss || 0))),
    traces.map((t, c) => el("svg:polyline", { class: "chain", "data-chain": String(c),
      stroke: CHAIN_COLOURS[c % CHAIN_COLOURS.length], points: t.map((v, i) => x(i) + "," + y(v)).join(" ") })),
    [0, draws - 1].map((i) => el("svg:text", { class: "tick", x: x(i), y: LH - LM.bottom + 14,
      "text-anchor": i ? "end" : "start" }, String(i))),
    el("svg:text", { class: "axis-label", x: (LM.left + LW) / 2, y: LH - 4, "text-anchor": "middle" }, "draw"));
  const columns = [["LLC", "llc"], ["MALA acceptance", "malaAcceptance"], ["Below initial", "shareBelowInitial"],
    ["Gradient norm", "gradientNorm"], ["Noise norm", "noiseNorm"], ["Distance from w*", "distance"]];
  const table = el("table", { id: "llc-diagnostics" },
    el("caption", {}, "LLC " + fmt(llc.llcMean || 0) + " \u00b1 " + fmt(llc.llcStd || 0) + " over " + chains.length
      + " chains; initial loss " + fmt(llc.initialLoss || 0) + "."),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Chain"),
      columns.map(([name]) => el("th", { scope: "col", class: "num" }, name)))),
    el("tbody", {}, chains.map((c, i) => el("tr", { "data-chain": String(i) },
      el("th", { scope: "row" }, el("span", { class: "swatch", style: "background:" + CHAIN_COLOURS[i % CHAIN_COLOURS.length] }),
        " " + i), columns.map(([, field]) => el("td", { class: "num" }, fmt(c[field] || 0)))))));
  const settings = llc.settings || {};
  return el("div", { class: "detail-block", id: "llc" }, el("h4", {}, "Local learning coefficient"), svg, table,
    el("p", { class: "muted" }, "Settings: " + setFields(settings) + "." + (llc.calibration ? " " + llc.calibration : "")));
}

function phaseSection(phase) {
  const rows = [["Components", phase.components], ["\u03b2 / \u03b2c", phase.betaRatio], ["\u03b2", phase.beta],
    ["\u03b2c", phase.betaCritical], ["Separation (\u03c3)", phase.separation], ["Log likelihood", phase.logLikelihood]];
  return el("div", { class: "detail-block", id: "phase" }, el("h4", {}, "Phase probe"),
    el("dl", { class: "config" }, rows.flatMap(([t, v]) => [el("dt", {}, t), el("dd", {}, fmt(v || 0))])));
}

// Deferred, so the page's elements are there.
$("details-step").addEventListener("input", (event) => {
  const steps = event.target.dataset.steps.split(",").map(Number);
  const step = steps[Number(event.target.value)];
  const url = new URL(location.href);
  url.searchParams.set("step", String(step));
  history.replaceState(null, "", url);
  showStep(step);
});
