// The path editor (#/paths, operators): the configured paths with their source, on-demand pull and recording,
// and a form to add, change, rename or remove one. The form's fields and the "other settings" YAML make up
// the path's YAML, which the server checks with the same validator as the config file
// (PUT /api/v1/config/paths/{name}); its messages appear beside the field they concern, and nothing is saved
// until every one is fixed. Saved changes apply at once and are written to the config file.
import { $, el, emptyRow, getJson, describe, errorText } from "./util.js";

const state = { items: [], editing: null, live: new Map(), models: [] };
const CHANGE_MS = 15000;
const FIELDS = ["name", "source", "sourceOnDemand", "record", "other"];

export function showPaths(route) {
  const edit = route.params?.get("edit");
  if (edit) {
    load().then(() => {
      const item = state.items.find((p) => p.name === edit);
      if (item) openEditor(item);
      else $("pathcfg-note").textContent = `${edit} is not in this box's own configuration; a path the fleet sets is changed in the fleet's config.`;
    });
  }
}

async function load() {
  const [config, live] = await Promise.all([getJson("/api/v1/config/paths"), getJson("/api/v1/paths").catch(() => ({ items: [] }))]);
  state.items = config.items || [];
  state.live = new Map((live.items || []).map((p) => [p.name, p]));
  render();
}

export async function refreshPaths() {
  try {
    await load();
    if (!state.models.length) {
      state.models = ((await getJson("/api/v1/models")).items || []).map((m) => m.name);
      $("pe-detect-model").replaceChildren(el("option", null, "choose a model…"), ...state.models.map((name) => {
        const option = el("option", null, name);
        option.value = name;
        return option;
      }));
      $("pe-detect-model").options[0].value = "";
    }
    return [];
  } catch (e) {
    return [`GET /api/v1/config/paths: ${describe(e)}`];
  }
}

function render() {
  $("pathcfg-count").textContent = `${state.items.length} configured`;
  $("pathcfg-rows").replaceChildren(...(state.items.length ? state.items.map(row) : [emptyRow(6, "No paths configured: add one")]));
}

function row(item) {
  const tr = el("tr");
  const name = el("td");
  name.append(el("code", null, item.name));
  const live = state.live.get(item.name);
  const status = el("td");
  status.append(el("span", `badge ${live?.state === "ready" ? "ok" : "unknown"}`, item.regex ? "pattern" : live?.state || "idle"));
  const actions = el("td", "row");
  const edit = el("button", null, "Edit");
  edit.type = "button";
  edit.setAttribute("aria-label", `Edit ${item.name}`);
  edit.addEventListener("click", () => openEditor(item));
  const remove = el("button", null, "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove ${item.name}`);
  remove.addEventListener("click", () => removePath(item.name));
  actions.append(edit, remove);
  tr.append(name, el("td", null, item.source ?? `${item.effectiveSource} (default)`),
    el("td", null, item.sourceOnDemand == null ? "default" : item.sourceOnDemand ? "yes" : "no"),
    el("td", null, item.record == null ? `${item.effectiveRecord ? "yes" : "no"} (default)` : item.record ? "yes" : "no"),
    status, actions);
  return tr;
}

function openEditor(item) {
  state.editing = item ? item.name : null;
  $("card-pathedit").hidden = false;
  $("pathedit-title").textContent = item ? `Edit ${item.name}` : "Add a path";
  $("pe-name").value = item?.name ?? "";
  const source = item?.source ?? null;
  $("pe-kind").value = source === null || source === "publisher" ? "publisher" : source === "testsrc" ? "testsrc" : "url";
  $("pe-url").value = $("pe-kind").value === "url" ? source : "";
  $("pe-ondemand").value = item?.sourceOnDemand == null ? "" : String(item.sourceOnDemand);
  $("pe-record").value = item?.record == null ? "" : String(item.record);
  $("pe-other").value = item?.other ?? "";
  clearErrors();
  $("pe-note").textContent = "";
  kindChanged();
  $("pe-name").focus();
}

function closeEditor() {
  state.editing = null;
  $("card-pathedit").hidden = true;
  $("pathcfg-add").focus();
}

function kindChanged() {
  $("pe-url-field").hidden = $("pe-kind").value !== "url";
}

// The path's YAML: the form's keys, one per line, then the other settings as typed.
function compose() {
  const lines = [];
  const kind = $("pe-kind").value;
  const source = kind === "url" ? $("pe-url").value.trim() : kind;
  lines.push(`source: ${JSON.stringify(source)}`);
  if ($("pe-ondemand").value) lines.push(`sourceOnDemand: ${$("pe-ondemand").value}`);
  if ($("pe-record").value) lines.push(`record: ${$("pe-record").value}`);
  const other = $("pe-other").value.replace(/\s+$/, "");
  return { text: lines.join("\n") + (other ? `\n${other}` : ""), offset: lines.length };
}

function clearErrors() {
  for (const field of FIELDS) {
    const note = $(`pe-${field}-error`);
    note.hidden = true;
    note.textContent = "";
  }
  for (const id of ["pe-name", "pe-url", "pe-ondemand", "pe-record", "pe-other"]) $(id).removeAttribute("aria-invalid");
  $("pe-error").hidden = true;
}

const INPUT = { name: "pe-name", source: "pe-url", sourceOnDemand: "pe-ondemand", record: "pe-record", other: "pe-other" };

// Puts each validator message beside its field: paths.<name>.source → the URL, other keys → the YAML box (with its line).
function showErrors(name, errors, offset, summary) {
  clearErrors();
  const prefix = `paths.${name}`;
  let first = null;
  for (const error of errors) {
    const key = error.path === prefix ? "name" : error.path.startsWith(`${prefix}.`) ? error.path.slice(prefix.length + 1).split(/[.[]/)[0] : "other";
    const field = ["source", "sourceOnDemand", "record"].includes(key) ? key : key === "name" ? "name" : "other";
    const where = field === "other" && error.line > offset ? ` (line ${error.line - offset})` : "";
    const note = $(`pe-${field}-error`);
    note.textContent = [note.textContent, `${field === "other" ? `${error.path}: ` : ""}${error.message}${where}`].filter(Boolean).join("\n");
    note.hidden = false;
    const input = $(INPUT[field]);
    input.setAttribute("aria-invalid", "true");
    if (field === "source" && $("pe-kind").value !== "url") $("pe-kind").setAttribute("aria-invalid", "true");
    first ??= input;
  }
  $("pe-error").textContent = summary;
  $("pe-error").hidden = false;
  if (first && !first.closest("[hidden]")) first.focus();
}

async function submit(dryRun) {
  const name = $("pe-name").value.trim();
  if (!name) {
    showErrors("", [{ path: "", message: "a path needs a name", line: 0 }], 0, "Nothing was saved.");
    return;
  }
  const { text, offset } = compose();
  const query = new URLSearchParams();
  if (state.editing && state.editing !== name) query.set("from", state.editing);
  if (dryRun) query.set("dryRun", "true");
  const url = `/api/v1/config/paths/${name.split("/").map(encodeURIComponent).join("/")}${query.size ? `?${query}` : ""}`;
  $("pe-save").disabled = $("pe-check").disabled = true;
  $("pe-note").textContent = dryRun ? "Checking…" : "Saving…";
  try {
    const response = await fetch(url, { method: "PUT", headers: { "Content-Type": "application/yaml" }, body: text, signal: AbortSignal.timeout(CHANGE_MS) });
    if (response.status === 400) {
      const body = await response.json();
      $("pe-note").textContent = "";
      showErrors(name, body.errors || [], offset, `${body.error}`);
      return;
    }
    if (!response.ok) throw new Error(await errorText(response));
    const result = await response.json();
    clearErrors();
    const changes = (result.changes || []).map((c) => `${c.key} ${c.kind}`).join(", ") || "no change";
    if (dryRun) {
      $("pe-note").textContent = `Valid: saving would make ${changes}.`;
      return;
    }
    $("pe-note").textContent = "";
    $("pathcfg-note").textContent = `Saved ${name} (${changes}); applied now.`;
    closeEditor();
    await load();
  } catch (e) {
    $("pe-note").textContent = "";
    $("pe-error").textContent = `Not saved: ${describe(e)}`;
    $("pe-error").hidden = false;
  } finally {
    $("pe-save").disabled = $("pe-check").disabled = false;
  }
}

async function removePath(name) {
  if (!window.confirm(`Remove the path ${name}? Its recordings stay on disk.`)) return;
  try {
    const response = await fetch(`/api/v1/config/paths/${name.split("/").map(encodeURIComponent).join("/")}`, { method: "DELETE", signal: AbortSignal.timeout(CHANGE_MS) });
    if (!response.ok) throw new Error(await errorText(response));
    $("pathcfg-note").textContent = `Removed ${name}.`;
    if (state.editing === name) closeEditor();
    await load();
  } catch (e) {
    $("pathcfg-note").textContent = `Could not remove ${name}: ${describe(e)}`;
  }
}

$("pathcfg-add").addEventListener("click", () => openEditor(null));
$("pe-kind").addEventListener("change", kindChanged);
$("pe-cancel").addEventListener("click", closeEditor);
$("pe-check").addEventListener("click", () => submit(true));
$("pathedit-form").addEventListener("submit", (event) => { event.preventDefault(); submit(false); });
$("pe-detect-add").addEventListener("click", () => {
  const model = $("pe-detect-model").value;
  if (!model) { $("pe-detect-model").focus(); return; }
  const box = $("pe-other");
  const kept = box.value.split("\n").filter((line) => !/^detect\s*:/.test(line)).join("\n").replace(/\s+$/, "");
  box.value = `${kept ? `${kept}\n` : ""}detect: { model: ${model}, fps: 5 }`;
  box.focus();
});
