// The Emergence dashboard: reads the gateway's JSON API (the gRPC messages in the proto3 JSON
// mapping, so int64 fields arrive as strings) and draws it with plain DOM and SVG.
"use strict";

const REFRESH_MS = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";

let selected = new URLSearchParams(location.search).get("experiment");
let timer = null;

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text, so names are never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat(Infinity)) node.append(child);
  return node;
}

/**
 * Names, units, groups and headline flags of series come only from the report's catalogue; a
 * series the catalogue does not know shows its id.
 */
function catalogueOf(report) {
  const entries = new Map((report.catalogue || []).map((d) => [d.id, d]));
  const entry = (id) => entries.get(id) || { id, displayName: id, unit: "", group: "", headline: false };
  return {
    entry,
    name: (id) => entry(id).displayName,
    label: (id) => entry(id).unit ? entry(id).displayName + " (" + entry(id).unit + ")" : entry(id).displayName,
    headline: (id) => entry(id).headline,
    // Place in the catalogue: its order is the report's order.
    rank: (id) => { const i = (report.catalogue || []).findIndex((d) => d.id === id); return i < 0 ? Infinity : i; },
  };
}
/** Seconds of a proto3 JSON Duration ("1.5s"). */
const seconds = (duration) => parseFloat(duration || "0");
const stateName = (state) => state.replace("EXPERIMENT_STATE_", "").toLowerCase();

/** Three significant figures, exponent form only where fixed would be unreadable. */
function fmt(value) {
  const v = Number(value);
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 1e5 || abs < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

function stepLabel(step) {
  return step >= 1e6 ? step / 1e6 + "M" : step >= 1e3 ? step / 1e3 + "k" : String(step);
}

class Unauthorized extends Error {}

/** A call of the JSON API; with a body, a POST of it as JSON. */
async function api(path, body) {
  const token = sessionStorage.getItem("emergence-token");
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const init = body === undefined ? { headers }
    : { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Unauthorized(answer.message || "a bearer token is required");
  if (!response.ok) throw new Error(answer.message || response.status + " " + response.statusText);
  return answer;
}

/** Every page of the list, oldest first. */
async function allExperiments() {
  const experiments = [];
  let token = "";
  do {
    const page = await api("/api/experiments?page_size=1000" + (token ? "&page_token=" + encodeURIComponent(token) : ""));
    experiments.push(...page.experiments);
    token = page.nextPageToken;
  } while (token);
  return experiments;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

/** Counts refreshes: one overtaken by a later one (a click during a timed refresh) draws nothing. */
let refreshes = 0;

async function refresh() {
  clearTimeout(timer);
  const mine = ++refreshes;
  try {
    const experiments = await allExperiments();
    if (mine !== refreshes) return;
    if (!selected && experiments.length) selected = experiments[experiments.length - 1].experimentId;
    renderList(experiments);
    $("token-form").hidden = true;
    showError("");
    if (!selected) return;
    const report = await api("/api/experiments/" + encodeURIComponent(selected) + "/report");
    if (mine !== refreshes) return;
    renderReport(report);
    renderControls(experiments.find((x) => x.experimentId === selected));
    if (report.state === "EXPERIMENT_STATE_RUNNING") timer = setTimeout(refresh, REFRESH_MS);
  } catch (e) {
    if (mine !== refreshes) return;
    if (e instanceof Unauthorized) {
      $("token-form").hidden = false;
      showError(e.message);
    } else {
      showError("Could not load: " + e.message);
      $("report-body").hidden = true;
    }
  }
}

function renderList(experiments) {
  $("list-empty").hidden = experiments.length > 0;
  $("experiment-list").replaceChildren(...experiments.slice().reverse().map((x) => {
    const link = el("a", { href: "?experiment=" + encodeURIComponent(x.experimentId), "data-experiment": x.experimentId },
      el("span", { class: "name" }, x.name || x.experimentId),
      el("span", { class: "state state-" + stateName(x.state) }, stateName(x.state)));
    if (x.experimentId === selected) link.setAttribute("aria-current", "page");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      selected = x.experimentId;
      history.pushState(null, "", link.href);
      refresh();
    });
    return el("li", {}, link);
  }));
}

function renderReport(report) {
  $("report-body").hidden = false;
  $("report-heading").textContent = "Experiment " + report.experimentId;
  const state = stateName(report.state);
  $("state").textContent = state;
  $("state").className = "state state-" + state;
  $("live").textContent = (report.state === "EXPERIMENT_STATE_RUNNING" ? "Live: refreshing every 2 s. " : "")
    + "Updated " + new Date().toLocaleTimeString() + ".";
  $("workload").textContent = report.workload;
  $("message").textContent = report.message;
  $("message").hidden = !report.message;
  const catalogue = catalogueOf(report);
  const reference = catalogue.name(report.referenceSeries);
  $("transitions-caption").textContent = "Change points over checkpoints; lead is how many steps a series moved before "
    + reference + " did (negative: after).";
  $("lead-heading").textContent = "Lead over " + reference;
  $("reference-key").textContent = reference + "'s";
  renderConfig(report);
  renderMilestones(report.milestones);
  renderTransitions(report, catalogue);
  renderCharts(report, catalogue);
  renderDetails(report);
}

const words = (camel) => camel.replace(/[A-Z]/g, (c) => " " + c.toLowerCase());

/**
 * The fields set in a config message, as "name value"; unset ones (0, "", false, UNSPECIFIED)
 * take the service's defaults. Enum values lose their type prefix (OPTIMIZER_ADAMW: ADAMW), and
 * the field named `bare` shows its value alone.
 */
function setFields(message, bare) {
  return Object.entries(message)
    .filter(([, v]) => v !== 0 && v !== "0" && v !== "" && v !== false && typeof v !== "object"
      && !String(v).endsWith("_UNSPECIFIED"))
    .map(([k, v]) => {
      const value = String(v).replace(new RegExp("^[A-Z0-9_]*" + words(k).trim().toUpperCase().replace(/ /g, "_") + "_"), "");
      return k === bare ? value : words(k) + " " + value;
    })
    .join(", ") || "defaults";
}

function renderConfig(report) {
  const run = report.run;
  const [kind, workload] = Object.entries(run.workload || {})[0] || ["none", {}];
  const rows = [
    ["Workload", words(kind) + ": " + setFields(workload)],
    ["Optimizer", setFields(run.optimizer || {}, "optimizer")],
    ["Training", Number(run.steps) + " steps, seed " + run.seed + ", "
      + (run.batchSize ? "batch " + run.batchSize : "full batch")
      + (Number(run.evalEvery) ? ", test every " + run.evalEvery + " steps" : "")],
    ["Checkpoints", (run.checkpoints && run.checkpoints.everySteps ? "every " + run.checkpoints.everySteps + " steps, "
      : run.checkpoints && run.checkpoints.perDecade ? run.checkpoints.perDecade + " per decade, " : "")
      + report.checkpointsAnalysed + " of " + report.checkpointsWritten + " analysed"],
    ["Time", fmt(seconds(report.wallTime)) + " s wall, " + fmt(seconds(report.stepTime) * 1000) + " ms per step"],
  ];
  $("config").replaceChildren(...rows.flatMap(([term, detail]) => [el("dt", {}, term), el("dd", {}, detail)]));
}

function renderMilestones(milestones) {
  $("milestones").replaceChildren(...milestones.map((m) => el("li", { "data-milestone": m.name },
    el("span", { class: "milestone-name" }, m.displayName || m.name),
    el("span", { class: m.reached ? "reached" : "muted" }, m.reached ? "step " + Number(m.step) : "not reached"))));
}

/** Detected transitions and every headline series, by catalogue group; headline first, then by step. */
function renderTransitions(report, catalogue) {
  const group = (t) => catalogue.entry(t.series).group;
  const shown = report.transitions.filter((t) => t.detected || catalogue.headline(t.series)).sort((a, b) =>
    (catalogue.headline(b.series) - catalogue.headline(a.series)) || (b.detected - a.detected)
    || (Number(a.step) - Number(b.step)));
  // The reference series' group first, the others in the order their first row comes.
  const referenceGroup = catalogue.entry(report.referenceSeries).group;
  const groups = [...new Set(shown.map(group))].sort((a, b) => (b === referenceGroup) - (a === referenceGroup));
  const body = $("transitions").tBodies[0];
  if (!shown.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "muted" },
      "None yet: transitions are detected once six checkpoints are analysed.")));
    return;
  }
  body.replaceChildren(...groups.flatMap((g) => [
    el("tr", { class: "group" }, el("th", { scope: "rowgroup", colspan: "5" }, g || "Not in the catalogue")),
    ...shown.filter((t) => group(t) === g).map((t) => el("tr", { "data-series": t.series },
      el("th", { scope: "row" }, catalogue.label(t.series)),
      ...(t.detected ? [
        el("td", { class: "num" }, String(Number(t.step))),
        el("td", { class: "num" }, fmt(t.size)),
        el("td", { class: "num" }, fmt(t.confidence)),
        el("td", { class: "num" }, t.series === report.referenceSeries ? "reference" : String(Number(t.leadSteps))),
      ] : [el("td", { colspan: "4", class: "muted" }, "no transition")]))),
  ]));
}

/** One chart per headline series of the report, in catalogue order. */
function renderCharts(report, catalogue) {
  const stepOf = new Map(report.transitions.filter((t) => t.detected).map((t) => [t.series, Number(t.step)]));
  const reference = report.referenceSeries;
  const headline = report.series.filter((s) => catalogue.headline(s.name))
    .sort((a, b) => catalogue.rank(a.name) - catalogue.rank(b.name));
  $("charts").replaceChildren(...headline.map((s) => chart(s, catalogue, stepOf.get(s.name),
    s.name === reference ? undefined : stepOf.get(reference), catalogue.name(reference))));
}

const W = 360, H = 200, M = { left: 52, right: 14, top: 14, bottom: 34 };

/** Values at round numbers spanning [lo, hi], about four of them. */
function ticks(lo, hi) {
  const raw = (hi - lo) / 4;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** One series as an SVG line chart over log(1 + step), so step 0 has a place on the axis. */
function chart(s, catalogue, ownStep, referenceStep, referenceName) {
  const steps = s.steps.map(Number), values = s.values.map(Number);
  const lx = (step) => Math.log10(1 + step);
  const maxX = Math.max(lx(steps[steps.length - 1] || 0), 1);
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo === hi) { lo -= Math.abs(lo) * 0.5 || 1; hi += Math.abs(hi) * 0.5 || 1; }
  const pad = (hi - lo) * 0.06;
  lo -= pad; hi += pad;
  const x = (step) => M.left + (lx(step) / maxX) * (W - M.left - M.right);
  const y = (v) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const id = "chart-" + s.name;

  const xTicks = [0];
  for (let p = 1; lx(p) <= maxX + 1e-9; p *= 10) xTicks.push(p);
  const marker = (step, cls, label) => step === undefined ? [] : [el("svg:line", {
    class: cls, x1: x(step), x2: x(step), y1: M.top, y2: H - M.bottom,
  }, el("svg:title", {}, label + " at step " + step))];

  const last = values.length ? fmt(values[values.length - 1]) : "none";
  const svg = el("svg:svg", {
    class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "data-series": s.name,
    "aria-labelledby": id + "-title " + id + "-desc",
  },
  el("svg:title", { id: id + "-title" }, catalogue.label(s.name)),
  el("svg:desc", { id: id + "-desc" }, `${values.length} checkpoints, last value ${last}`
    + (ownStep === undefined ? ", no transition detected." : `, transition at step ${ownStep}.`)),
  ticks(lo, hi).map((v) => [
    el("svg:line", { class: "grid", x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
    el("svg:text", { class: "tick", x: M.left - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v)),
  ]),
  xTicks.map((step) => el("svg:text", { class: "tick", x: x(step), y: H - M.bottom + 16, "text-anchor": "middle" },
    stepLabel(step))),
  el("svg:text", { class: "axis-label", x: (M.left + W - M.right) / 2, y: H - 4, "text-anchor": "middle" },
    "step (log scale)"),
  el("svg:line", { class: "axis", x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }),
  marker(referenceStep, "marker-ref", referenceName + "'s transition"),
  marker(ownStep, "marker-own", "Transition"),
  el("svg:polyline", { class: "line", points: steps.map((st, i) => x(st) + "," + y(values[i])).join(" ") }),
  values.length <= 60 ? steps.map((st, i) => el("svg:circle", { class: "dot", cx: x(st), cy: y(values[i]), r: 2.2 })) : []);

  return el("figure", { class: "chart-card" },
    el("figcaption", {}, el("span", {}, catalogue.label(s.name)), el("span", { class: "muted" }, "last " + last)), svg);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("emergence-token", $("token").value.trim());
  refresh();
});
window.addEventListener("popstate", () => {
  selected = new URLSearchParams(location.search).get("experiment");
  refresh();
});
// After every deferred script (details.js, control.js) has defined what a refresh calls.
document.addEventListener("DOMContentLoaded", refresh);
