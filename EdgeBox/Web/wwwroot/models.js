// The models page: the model registry (list, upload, remove) and, per path, detection on or off with its
// settings and live counters. Refreshed every 2 s; a path's settings form is built once and only its counters
// change, so a refresh never undoes what someone is typing.
import { $, el, bytes, emptyRow, encodePath, getJson, errorText, describe } from "./util.js";

const UPLOAD_MS = 120e3;    // an upload is checked by ONNX Runtime before it is answered
const CHANGE_MS = 15e3;     // a detect change goes through the config pipeline (validated, applied, written)
const STATE_COLUMNS = 9;

const state = {
  models: [],         // GET /api/v1/models items
  rows: new Map(),    // path -> { tr, form fields, cells, touched }
};

const stamp = (ms) => new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" });

export async function refreshModels() {
  const errors = [];
  const [models, paths, detect] = await Promise.allSettled(
    ["/api/v1/models", "/api/v1/paths", "/api/v1/detect"].map((url) => getJson(url)));
  if (models.status === "fulfilled") {
    state.models = Array.isArray(models.value.items) ? models.value.items : [];
    renderModels();
  } else {
    errors.push(`GET /api/v1/models: ${describe(models.reason)}`);
  }
  ["card-models"].forEach((id) => $(id).classList.toggle("stale", models.status === "rejected"));
  if (paths.status === "rejected") errors.push(`GET /api/v1/paths: ${describe(paths.reason)}`);
  if (detect.status === "rejected") errors.push(`GET /api/v1/detect: ${describe(detect.reason)}`);
  if (paths.status === "fulfilled" && detect.status === "fulfilled") {
    renderDetection(paths.value.items || [], detect.value.items || []);
  }
  $("card-detect").classList.toggle("stale", paths.status === "rejected" || detect.status === "rejected");
  return errors;
}

// Models

function renderModels() {
  const models = state.models;
  $("mdl-count").textContent = `${models.length} model${models.length === 1 ? "" : "s"}`;
  $("mdl-rows").replaceChildren(...(models.length
    ? models.map((m) => {
        const tr = el("tr");
        tr.dataset.model = m.name;
        const name = el("td");
        name.append(el("strong", null, m.name));
        name.title = `sha256 ${m.sha256 || "?"}`;
        const labels = Array.isArray(m.labels) ? m.labels : [];
        const labelCell = el("td", null, String(labels.length));
        labelCell.title = labels.slice(0, 40).join(", ") + (labels.length > 40 ? ", …" : "");
        const used = Array.isArray(m.usedBy) ? m.usedBy : [];
        const remove = el("button", null, "Remove");
        remove.type = "button";
        remove.addEventListener("click", () => removeModel(m.name));
        const actions = el("td");
        actions.append(remove);
        tr.append(name, el("td", null, m.adapter), el("td", null, m.input || "–"), labelCell, el("td", null, bytes(m.size)),
          el("td", null, used.length ? used.join(", ") : "–"),
          el("td", null, m.added ? stamp(Date.parse(m.added)) : "–"), actions);
        return tr;
      })
    : [emptyRow(8, "No models yet: add an ONNX model below")]));
}

async function removeModel(name) {
  if (!confirm(`Remove model ${name}?`)) return;
  try {
    const response = await fetch(`/api/v1/models/${encodeURIComponent(name)}`, { method: "DELETE", signal: AbortSignal.timeout(CHANGE_MS) });
    note("mdl-note", response.ok ? `Removed ${name}.` : `Cannot remove ${name}: ${await errorText(response)}`, !response.ok);
  } catch (e) {
    note("mdl-note", `Cannot remove ${name}: ${describe(e)}`, true);
  }
  await refreshModels();
}

async function upload(event) {
  event.preventDefault();
  const form = $("mdl-form");
  const data = new FormData(form);
  if (!String(data.get("labels") || "").trim()) data.delete("labels");
  const button = $("mdl-upload");
  button.disabled = true;
  note("mdl-upload-note", "Uploading and checking the model…");
  try {
    const response = await fetch("/api/v1/models", { method: "POST", body: data, signal: AbortSignal.timeout(UPLOAD_MS) });
    if (response.ok) {
      const model = await response.json();
      const count = model.labels?.length ?? 0;
      note("mdl-upload-note", `Added ${model.name}: ${model.adapter}, input ${model.input}, ${count} label${count === 1 ? "" : "s"}.`);
      form.reset();
    } else {
      note("mdl-upload-note", `Refused: ${await errorText(response)}`, true);
    }
  } catch (e) {
    note("mdl-upload-note", `Upload failed: ${describe(e)}`, true);
  } finally {
    button.disabled = false;
  }
  await refreshModels();
}

// Detection per path

function renderDetection(paths, detectors) {
  const byPath = new Map(detectors.map((d) => [d.path, d]));
  const names = [...new Set([...paths.filter((p) => !p.regex).map((p) => p.name), ...byPath.keys()])].sort();
  $("det-count").textContent = `${byPath.size} of ${names.length} path${names.length === 1 ? "" : "s"} detecting`;
  if (!names.length) {
    state.rows.clear();
    $("det-rows").replaceChildren(emptyRow(STATE_COLUMNS, "No paths configured"));
    return;
  }
  const rows = names.map((name) => {
    let row = state.rows.get(name);
    if (!row) {
      row = detectionRow(name);
      state.rows.set(name, row);
    }
    update(row, byPath.get(name));
    return row.tr;
  });
  for (const name of state.rows.keys()) if (!names.includes(name)) state.rows.delete(name);
  const body = $("det-rows");
  if (rows.length !== body.children.length || rows.some((tr, i) => body.children[i] !== tr)) body.replaceChildren(...rows);
}

function input(type, name, label, attributes) {
  const wrap = el("label", null, `${label} `);
  const field = el("input");
  field.type = type;
  field.name = name;
  Object.assign(field, attributes);
  wrap.append(field);
  return [wrap, field];
}

function detectionRow(name) {
  const tr = el("tr");
  tr.dataset.path = name;
  const form = el("form", "detect-form");
  const modelLabel = el("label", null, "Model ");
  const model = el("select");
  model.name = "model";
  model.required = true;
  modelLabel.append(model);
  const [fpsLabel, fps] = input("number", "fps", "FPS", { min: "0.1", max: "60", step: "0.1", value: "5", required: true });
  const [thresholdLabel, threshold] = input("number", "threshold", "Threshold", { min: "0", max: "1", step: "0.01", value: "0.5", required: true });
  const [labelsLabel, labels] = input("text", "labels", "Labels", { placeholder: "all of the model's" });
  const on = el("button", null, "Turn on");
  on.type = "submit";
  // PUT .../detect changes only the keys sent: zones, masks, record... set in the config file stay.
  on.title = "Sets the path's model, fps, threshold and labels (zones, masks and clips set in the config file stay)";
  const off = el("button", null, "Turn off");
  off.type = "button";
  const status = el("div", "muted form-note");
  status.setAttribute("role", "status");
  form.append(modelLabel, fpsLabel, thresholdLabel, labelsLabel, on, off, status);

  const row = { tr, form, model, fps, threshold, labels, on, off, status, touched: false, detecting: false, cells: {} };
  form.addEventListener("input", () => { row.touched = true; });
  form.addEventListener("submit", (e) => { e.preventDefault(); turnOn(name, row); });
  off.addEventListener("click", () => turnOff(name, row));

  const pathCell = el("td");
  pathCell.append(el("code", null, name));
  const settings = el("td");
  settings.append(form);
  for (const key of ["state", "provider", "inferences", "skipped", "objects", "events", "average"]) row.cells[key] = el("td");
  tr.append(pathCell, row.cells.state, settings, row.cells.provider, row.cells.inferences, row.cells.skipped,
    row.cells.objects, row.cells.events, row.cells.average);
  return row;
}

function update(row, d) {
  // The model list: every registered model, plus the one in use should it be gone from the registry.
  const names = [...new Set([...state.models.map((m) => m.name), ...(d ? [d.model] : [])])];
  const key = JSON.stringify(names);
  if (row.model.dataset.key !== key) {
    const chosen = row.model.value;
    row.model.dataset.key = key;
    row.model.replaceChildren(...(names.length ? names.map((n) => el("option", null, n)) : [el("option", null, "(no models)")]));
    if (!names.length) row.model.options[0].value = "";
    if (names.includes(chosen)) row.model.value = chosen;
  }
  // Settings shown are the running ones until someone edits the form.
  if (d && !row.touched) {
    row.model.value = d.model;
    row.fps.value = String(d.fps);
    if (d.settings) {
      row.threshold.value = String(d.settings.threshold);
      row.labels.value = d.settings.labels.join(", ");
    }
  }
  row.detecting = Boolean(d);
  row.on.textContent = d ? "Apply" : "Turn on";
  row.off.hidden = !d;

  const c = row.cells;
  if (!d) {
    c.state.replaceChildren(el("span", "badge", "off"));
    for (const k of ["provider", "inferences", "skipped", "objects", "events", "average"]) c[k].textContent = "–";
    return;
  }
  const badge = el("span", `badge ${d.state === "running" ? "ok" : d.state === "error" ? "failed" : "degraded"}`, d.state);
  c.state.replaceChildren(badge);
  if (d.error) c.state.append(el("div", "muted error-text", d.error));
  c.provider.textContent = d.provider || "–";
  c.inferences.textContent = String(d.inferences ?? 0);
  c.skipped.textContent = String(d.skipped ?? 0);
  c.skipped.title = `${d.sampled ?? 0} pictures sampled at ${d.fps} per second`;
  c.objects.textContent = String(d.objects ?? 0);
  c.events.textContent = String(d.events ?? 0);
  c.events.title = `${d.detections ?? 0} detections`;
  c.average.textContent = d.inferences ? `${Number(d.averageInferenceMs).toFixed(1)} ms` : "–";
  c.average.title = `last ${Number(d.lastInferenceMs).toFixed(1)} ms`;
}

async function turnOn(name, row) {
  if (!row.model.value) {
    note(row.status, "Add a model first.", true);
    return;
  }
  const body = { model: row.model.value, fps: Number(row.fps.value), threshold: Number(row.threshold.value) };
  // Labels are always sent (an empty list: every label); keys not sent (zones, record...) keep their values.
  body.labels = row.labels.value.split(",").map((l) => l.trim()).filter(Boolean);
  await change(name, row, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
    `Detecting with ${body.model}`);
}

async function turnOff(name, row) {
  await change(name, row, { method: "DELETE" }, "Detection off");
}

async function change(name, row, init, done) {
  row.on.disabled = row.off.disabled = true;
  note(row.status, "Saving…");
  try {
    const response = await fetch(`/api/v1/paths/${encodePath(name)}/detect`, { ...init, signal: AbortSignal.timeout(CHANGE_MS) });
    if (response.ok) {
      row.touched = false;
      note(row.status, `${done}.`);
    } else {
      note(row.status, await configError(response), true);
    }
  } catch (e) {
    note(row.status, `Not saved: ${describe(e)}`, true);
  } finally {
    row.on.disabled = row.off.disabled = false;
  }
  await refreshModels();
}

// A refused change: { error, errors: [{ path, line, message }] } from the config pipeline.
async function configError(response) {
  let body = null;
  try { body = await response.clone().json(); } catch { /* not JSON */ }
  const details = Array.isArray(body?.errors) ? body.errors.map((e) => `${e.path ? `${e.path}: ` : ""}${e.message}`) : [];
  const text = await errorText(response);
  return details.length ? `${text} — ${details.join("; ")}` : text;
}

function note(target, text, bad = false) {
  const node = typeof target === "string" ? $(target) : target;
  node.textContent = text;
  node.classList.toggle("bad", bad);
}

function setUp() {
  $("mdl-form").addEventListener("submit", upload);
}

setUp();
