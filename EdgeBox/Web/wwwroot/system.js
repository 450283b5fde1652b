// The System page (admins only: app.js shows it to them alone): the configuration's YAML editor (validate with a diff, save), its history (view a
// version, diff it against the running config, roll back), the service log, users, API tokens and what the
// box runs on. Refreshed every 3 s: what someone is typing or has open is never redrawn under them (tables
// are redrawn only when their data changed, the editor only while it holds no unsaved edit).
import { $, el, duration, emptyRow, getJson, errorText, describe } from "./util.js";
import { lineDiff, hunks } from "./diff.js";

const CHANGE_MS = 15e3;      // a config change is validated, written and applied before the answer
const SLOW_EVERY = 10;       // users, tokens and the about card: every 10th refresh (and after each change)

const state = {
  loaded: false,         // the editor holds the running text
  text: "",              // the running text the editor was loaded with
  hash: "",              // its hash (the ETag), sent as If-Match on save
  version: 0,
  file: "",
  runningChanged: false, // the running config changed while the editor held unsaved edits
  tick: 0,
  section: null,
  keys: {},              // what each list was last drawn from, so an unchanged list is not redrawn
  editing: null,         // the user whose edit form is open
  viewing: null,         // the history version being viewed
};

const stamp = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" }) : "–");
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const commaList = (text) => text.split(",").map((p) => p.trim()).filter(Boolean);
const editor = () => $("sys-yaml");
const dirty = () => state.loaded && editor().value !== state.text;

export async function refreshSystem(route) {
  const errors = [];
  const slow = state.tick++ % SLOW_EVERY === 0;
  await Promise.all([
    state.loaded ? checkRunning(errors) : loadConfig(errors),
    refreshHistory(errors),
    $("sys-logs-auto").checked ? refreshLogs(errors) : null,
    slow ? refreshUsers(errors) : null,
    slow ? refreshTokens(errors) : null,
    slow ? refreshAbout(errors) : null,
  ]);
  scrollToSection(route?.section ?? null);
  return errors;
}

function scrollToSection(section) {
  if (section === state.section) return;
  state.section = section;
  const target = section ? $(`system-${section}`) : null;
  if (target) target.scrollIntoView({ block: "start" });
}

// A table read from a list API (users, tokens, history): #sys-NAME-rows and #sys-NAME-count, redrawn only when
// its items changed, so a refresh never takes the focus from a button in it.
async function refreshList(errors, { url, name, noun, row, columns, empty, extra = () => null }) {
  try {
    const body = await getJson(url);
    const items = Array.isArray(body.items) ? body.items : [];
    const key = JSON.stringify([items, extra()]);
    if (state.keys[name] === key) return;
    state.keys[name] = key;
    $(`sys-${name}-count`).textContent = plural(items.length, noun);
    $(`sys-${name}-rows`).replaceChildren(...(items.length ? items.map(row) : [emptyRow(columns, empty)]));
  } catch (e) {
    errors.push(`GET ${url}: ${describe(e)}`);
  }
}

function note(id, text, bad = false) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle("bad", bad);
}

// Configuration editor

async function loadConfig(errors) {
  try {
    const [info, response] = await Promise.all([
      getJson("/api/v1/config"),
      fetch("/api/v1/config?format=yaml", { cache: "no-store", signal: AbortSignal.timeout(CHANGE_MS) }),
    ]);
    if (!response.ok) throw new Error(await errorText(response));
    const text = await response.text();
    state.hash = (response.headers.get("ETag") || info.hash || "").replaceAll('"', "");
    state.version = info.hash === state.hash ? info.version : state.version; // a change in between: the next check reloads
    state.file = info.file || "";
    state.text = text;
    state.loaded = true;
    state.runningChanged = false;
    editor().value = text;
    // Tall enough for the text (10 to 32 lines); the user may resize it.
    editor().style.height = `${Math.min(Math.max(text.split("\n").length + 2, 10), 32) * 20 + 16}px`;
    showInfo();
    updateGutter();
    updateCursor();
  } catch (e) {
    errors.push(`GET /api/v1/config: ${describe(e)}`);
  }
}

// The running config changed (a rollback, a file edit, another admin): reload an unedited editor; with edits, say so.
async function checkRunning(errors) {
  try {
    const info = await getJson("/api/v1/config");
    if (info.hash === state.hash) return;
    if (!dirty()) {
      await loadConfig(errors);
      return;
    }
    if (!state.runningChanged) {
      state.runningChanged = true;
      note("sys-config-status", `The running configuration changed (now version ${info.version}) since you loaded it; `
        + "saving will be refused. Reload to start from it (your edits are lost).", true);
    }
  } catch (e) {
    errors.push(`GET /api/v1/config: ${describe(e)}`);
  }
}

function showInfo() {
  const lines = editor().value.split("\n").length;
  $("sys-config-info").textContent = `running version ${state.version || "?"}${state.file ? ` · ${state.file}` : ""} · `
    + `${plural(lines, "line")}${dirty() ? " · edited, not saved" : ""}`;
}

// The line numbers beside the text, scrolled with it.
function updateGutter() {
  const count = editor().value.split("\n").length;
  const gutter = $("sys-gutter");
  if (Number(gutter.dataset.count) !== count) {
    gutter.dataset.count = String(count);
    gutter.textContent = Array.from({ length: count }, (_, i) => String(i + 1)).join("\n");
  }
  gutter.scrollTop = editor().scrollTop;
}

function updateCursor() {
  const area = editor();
  const before = area.value.slice(0, area.selectionStart);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  $("sys-cursor").textContent = `Line ${line}, column ${column}`;
}

// Puts the cursor on a line (an error's), selects it and scrolls it into view.
function goToLine(line) {
  const area = editor();
  const lines = area.value.split("\n");
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  const start = lines.slice(0, index).reduce((sum, l) => sum + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[index].length);
  const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
  area.scrollTop = Math.max(0, (index - 3) * height);
  updateGutter();
  updateCursor();
}

function clearResult() {
  $("sys-config-errors").replaceChildren();
  $("sys-config-result").hidden = true;
}

// Every error of a refused text: a button per error that has a line, which moves the cursor there.
function showErrors(container, body, fallback) {
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const list = el("ul", "sys-error-list");
  for (const e of errors) {
    const li = el("li");
    const text = `${e.path ? `${e.path}: ` : ""}${e.message}${e.env ? ` (from ${e.env})` : ""}`;
    if (e.line > 0 && container === $("sys-config-errors")) {
      const button = el("button", "sys-error", `Line ${e.line}`);
      button.type = "button";
      button.title = `Move the cursor to line ${e.line}`;
      button.addEventListener("click", () => goToLine(e.line));
      li.append(button, " ", text);
    } else {
      li.textContent = e.line > 0 ? `Line ${e.line}: ${text}` : text;
    }
    list.append(li);
  }
  container.replaceChildren(el("strong", null, body?.error || fallback), ...(errors.length ? [list] : []));
}

function changeItems(changes) {
  return changes.length
    ? changes.map((c) => {
        const li = el("li");
        li.append(el("code", null, c.key), ` ${c.kind}`);
        if (c.restartRequired) li.append(el("span", "tag warn", "needs a restart"));
        return li;
      })
    : [el("li", "muted", "no setting changes (comments or layout only)")];
}

// Unified-diff hunks in a <pre>, one line per element: "+" added, "-" removed, " " context.
function renderDiff(pre, before, after) {
  const parts = hunks(lineDiff(before, after));
  if (!parts.length) {
    pre.replaceChildren(el("span", "muted", "The texts are the same."));
    return 0;
  }
  const nodes = [];
  let changed = 0;
  for (const part of parts) {
    nodes.push(el("span", "hunk", part.header));
    for (const line of part.lines) {
      const kind = line.op === "+" ? "add" : line.op === "-" ? "del" : "ctx";
      if (kind !== "ctx") changed++;
      nodes.push(el("span", kind, `${line.op}${line.text}`));
    }
  }
  pre.replaceChildren(...nodes);
  return changed;
}

function showChanges(title, changes, diffTitle) {
  $("sys-changes-title").textContent = title;
  $("sys-changes").replaceChildren(...changeItems(changes));
  $("sys-diff-title").textContent = diffTitle;
  $("sys-config-result").hidden = false;
}

async function sendConfig(url, method, headers = {}) {
  return fetch(url, {
    method,
    headers: { "Content-Type": "application/yaml", Accept: "application/json", ...headers },
    body: editor().value,
    cache: "no-store",
    signal: AbortSignal.timeout(CHANGE_MS),
  });
}

async function validate() {
  if (!state.loaded) return;
  clearResult();
  note("sys-config-status", "Validating…");
  try {
    const response = await sendConfig("/api/v1/config/validate", "POST");
    const body = await response.clone().json().catch(() => null);
    if (response.ok) {
      const changed = renderDiff($("sys-diff"), state.text, editor().value);
      const restart = body.changes.filter((c) => c.restartRequired).length;
      showChanges(`Valid: saving would make ${plural(body.changes.length, "change")}${restart ? `, ${restart} needing a restart` : ""}`,
        body.changes, `Diff against the running configuration (${plural(changed, "line")}; − running, + yours)`);
      note("sys-config-status", "Valid. Nothing is applied until you save.");
    } else if (response.status === 400 && body?.errors) {
      showErrors($("sys-config-errors"), body, "The configuration has errors");
      note("sys-config-status", `Not valid: ${plural(body.errors.length, "error")}. Nothing was applied.`, true);
    } else {
      note("sys-config-status", `Not validated: ${await errorText(response)}`, true);
    }
  } catch (e) {
    note("sys-config-status", `Not validated: ${describe(e)}`, true);
  }
}

async function save() {
  if (!state.loaded) return;
  clearResult();
  const text = editor().value;
  note("sys-config-status", "Saving…");
  $("sys-save").disabled = true;
  try {
    const response = await sendConfig("/api/v1/config", "PUT", { "If-Match": `"${state.hash}"` });
    const body = await response.clone().json().catch(() => null);
    if (response.ok) {
      const before = state.text;
      state.text = text;
      state.hash = body.hash;
      state.version = body.version;
      state.runningChanged = false;
      if (body.status === "unchanged") {
        note("sys-config-status", "Nothing to save: this is the running configuration.");
      } else {
        const restart = body.changes.filter((c) => c.restartRequired).map((c) => c.key);
        renderDiff($("sys-diff"), before, text);
        showChanges(`Saved and applied as version ${body.version}: ${plural(body.changes.length, "change")}`, body.changes,
          "What changed (− before, + now)");
        note("sys-config-status", `Saved as version ${body.version}.`
          + (restart.length ? ` Restart EdgeBox for ${restart.join(", ")} to take effect; the rest applies now.` : " Every change applies now."));
      }
      showInfo();
      await refreshHistory([]);
    } else if (response.status === 400 && body?.errors) {
      showErrors($("sys-config-errors"), body, "The configuration has errors");
      note("sys-config-status", `Not saved: ${plural(body.errors.length, "error")}. The running configuration is unchanged.`, true);
    } else if (response.status === 412) {
      const reload = el("button", null, "Reload the running configuration");
      reload.type = "button";
      reload.addEventListener("click", () => reloadEditor(true));
      $("sys-config-errors").replaceChildren(
        el("strong", null, "Someone else changed the configuration since you loaded it; your edit was not saved."),
        el("p", null, "Reload to see theirs (your edits in the box are replaced), then make your change again. "), reload);
      note("sys-config-status", "Not saved: the configuration changed meanwhile (412).", true);
    } else {
      note("sys-config-status", `Not saved: ${await errorText(response)}`, true);
    }
  } catch (e) {
    note("sys-config-status", `Not saved: ${describe(e)}`, true);
  } finally {
    $("sys-save").disabled = false;
  }
}

async function reloadEditor(discard) {
  if (!discard && dirty() && !confirm("Discard your edits and load the running configuration?")) return;
  clearResult();
  const errors = [];
  await loadConfig(errors);
  note("sys-config-status", errors.length ? errors.join("; ") : `Loaded the running configuration (version ${state.version}).`, errors.length > 0);
}

// History

// The running version is marked in the table: a new one redraws it.
const refreshHistory = (errors) => refreshList(errors, {
  url: "/api/v1/config/history?limit=100", name: "history", noun: "version", row: historyRow, columns: 5, empty: "No history yet",
  extra: () => state.version,
});

function historyRow(h) {
  const tr = el("tr");
  tr.dataset.version = String(h.version);
  const running = h.version === state.version;
  const version = el("td");
  version.append(el("strong", null, String(h.version)));
  if (running) version.append(el("span", "tag", "running"));
  const changes = Array.isArray(h.changes) ? h.changes : [];
  const view = el("button", null, "View");
  view.type = "button";
  view.setAttribute("aria-label", `View version ${h.version}`);
  view.addEventListener("click", () => viewVersion(h.version));
  const back = el("button", null, "Roll back");
  back.type = "button";
  back.setAttribute("aria-label", `Roll back to version ${h.version}`);
  back.disabled = running;
  back.addEventListener("click", () => rollBack(h.version));
  const actions = el("td", "sys-actions");
  actions.append(view, back);
  tr.append(version, el("td", null, stamp(h.time)), el("td", null, h.source),
    el("td", null, changes.length ? changes.join(", ") : h.source === "startup" ? "start-up" : "none (comments or layout only)"), actions);
  return tr;
}

async function viewVersion(version) {
  $("sys-history-errors").replaceChildren();
  try {
    const [old, running] = await Promise.all([
      fetchText(`/api/v1/config/history/${version}`),
      fetchText("/api/v1/config?format=yaml"),
    ]);
    state.viewing = version;
    $("sys-version-title").textContent = `Version ${version}`;
    $("sys-version-yaml").textContent = old;
    const changed = renderDiff($("sys-version-diff"), running, old);
    $("sys-version-note").textContent = changed
      ? `What rolling back to version ${version} would change in the text: ${plural(changed, "line")} (− running, + version ${version}).`
      : `Version ${version} has the running configuration's text.`;
    $("sys-version-rollback").disabled = version === state.version;
    $("sys-version").hidden = false;
    $("sys-version-title").scrollIntoView({ block: "nearest" });
  } catch (e) {
    note("sys-history-status", `Cannot show version ${version}: ${describe(e)}`, true);
  }
}

async function fetchText(url) {
  const response = await fetch(url, { cache: "no-store", signal: AbortSignal.timeout(CHANGE_MS) });
  if (!response.ok) throw new Error(await errorText(response));
  return response.text();
}

async function rollBack(version) {
  if (!confirm(`Roll back to configuration version ${version}? It is validated and applied like a saved edit, as a new version.`)) return;
  $("sys-history-errors").replaceChildren();
  note("sys-history-status", `Rolling back to version ${version}…`);
  try {
    const response = await fetch(`/api/v1/config/history/${version}/restore`, { method: "POST", signal: AbortSignal.timeout(CHANGE_MS) });
    const body = await response.clone().json().catch(() => null);
    if (response.ok) {
      const restart = (body.changes || []).filter((c) => c.restartRequired).map((c) => c.key);
      note("sys-history-status", body.status === "unchanged"
        ? `Version ${version} is the running configuration already.`
        : `Rolled back: version ${version}'s text is applied as version ${body.version} (${plural(body.changes.length, "change")}`
          + `${body.changes.length ? `: ${body.changes.map((c) => `${c.key} ${c.kind}`).join(", ")}` : ""}).`
          + (restart.length ? ` Restart EdgeBox for ${restart.join(", ")}.` : ""));
      $("sys-version").hidden = true;
      const errors = [];
      await Promise.all([checkRunning(errors), refreshHistory(errors)]);
    } else if (response.status === 400 && body?.errors) {
      showErrors($("sys-history-errors"), body, `Version ${version} is not valid today`);
      note("sys-history-status", `Not rolled back: version ${version} has errors now. The running configuration is unchanged.`, true);
    } else {
      note("sys-history-status", `Not rolled back: ${await errorText(response)}`, true);
    }
  } catch (e) {
    note("sys-history-status", `Not rolled back: ${describe(e)}`, true);
  }
}

// Logs

async function refreshLogs(errors) {
  const level = $("sys-logs-level").value;
  const lines = $("sys-logs-lines").value;
  try {
    const logs = await getJson(`/api/v1/logs?lines=${encodeURIComponent(lines)}&level=${encodeURIComponent(level)}`);
    const items = Array.isArray(logs.items) ? logs.items : [];
    const last = items[items.length - 1];
    const key = `${level}|${lines}|${items.length}|${last?.time}|${last?.message}`;
    if (state.keys.logs === key) return;
    state.keys.logs = key;
    const box = $("sys-logs");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    $("sys-logs-count").textContent = `${plural(items.length, "line")}, newest last`;
    box.replaceChildren(...(items.length ? items.map(logLine) : [el("div", "muted", "Nothing logged at this level.")]));
    if (atBottom || !box.dataset.drawn) box.scrollTop = box.scrollHeight;
    box.dataset.drawn = "1";
  } catch (e) {
    errors.push(`GET /api/v1/logs: ${describe(e)}`);
  }
}

function logLine(e) {
  const row = el("div", `sys-log ${e.level}`);
  const time = new Date(e.time);
  const clock = el("time", "muted", time.toLocaleTimeString([], { hourCycle: "h23" }) + `.${String(time.getMilliseconds()).padStart(3, "0")}`);
  clock.dateTime = e.time;
  clock.title = time.toLocaleString();
  row.append(clock, el("span", "sys-level", e.level), el("span", "sys-msg", e.message));
  if (e.category) row.append(el("span", "muted sys-category", e.category));
  if (e.exception) row.append(el("pre", "sys-exception", e.exception));
  return row;
}

// Users

const refreshUsers = (errors) => refreshList(errors, {
  url: "/api/v1/users", name: "users", noun: "user", row: userRow, columns: 6, empty: "No users: the console is open to the anonymous role only",
});

const pathsText = (paths) => (Array.isArray(paths) ? paths.join(", ") : "all paths");

function userRow(u) {
  const tr = el("tr");
  tr.dataset.user = u.name;
  const edit = el("button", null, "Edit");
  edit.type = "button";
  edit.setAttribute("aria-label", `Edit ${u.name}`);
  edit.addEventListener("click", () => openEdit(u));
  const remove = el("button", null, "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove ${u.name}`);
  remove.addEventListener("click", () => removeUser(u.name));
  const actions = el("td", "sys-actions");
  actions.append(edit, remove);
  tr.append(el("td", null, u.name), el("td", null, u.role), el("td", null, pathsText(u.paths)), el("td", null, stamp(u.created)),
    el("td", null, u.mustChangePassword ? "must change" : "set"), actions);
  return tr;
}

function openEdit(u) {
  state.editing = u.name;
  $("sys-user-edit-title").textContent = `Change user ${u.name}`;
  $("sys-user-edit-role").value = u.role;
  $("sys-user-edit-paths").value = Array.isArray(u.paths) ? u.paths.join(", ") : "";
  $("sys-user-edit-password").value = "";
  $("sys-user-edit").hidden = false;
  $("sys-user-edit-role").focus();
}

function closeEdit() {
  state.editing = null;
  $("sys-user-edit").hidden = true;
}

// A change to the accounts; the answer is shown in the section's status line, then the lists are read again.
async function account(statusId, url, method, body, done) {
  note(statusId, "Saving…");
  try {
    const response = await fetch(url, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(CHANGE_MS),
    });
    if (!response.ok) {
      note(statusId, `Refused: ${await errorText(response)}`, true);
      return null;
    }
    const result = response.status === 204 ? {} : await response.json();
    note(statusId, done(result));
    return result;
  } catch (e) {
    note(statusId, `Failed: ${describe(e)}`, true);
    return null;
  } finally {
    await Promise.all([refreshUsers([]), refreshTokens([])]);
  }
}

async function addUser(event) {
  event.preventDefault();
  const name = $("sys-user-name").value.trim();
  const paths = commaList($("sys-user-paths").value);
  const body = { name, role: $("sys-user-role").value, password: $("sys-user-password").value, mustChangePassword: $("sys-user-must").checked };
  if (paths.length) body.paths = paths;
  if (await account("sys-users-status", "/api/v1/users", "POST", body, (u) => `Added ${u.role} ${u.name}.`)) {
    $("sys-user-form").reset();
  }
}

async function saveUser(event) {
  event.preventDefault();
  const name = state.editing;
  if (!name) return;
  const paths = commaList($("sys-user-edit-paths").value);
  const body = { role: $("sys-user-edit-role").value, ...(paths.length ? { paths } : { allPaths: true }) };
  if (await account("sys-users-status", `/api/v1/users/${encodeURIComponent(name)}`, "PATCH", body,
    (u) => `Changed ${u.name}: ${u.role}, ${pathsText(u.paths)}.`)) {
    closeEdit();
  }
}

async function resetPassword() {
  const name = state.editing;
  const password = $("sys-user-edit-password").value;
  if (!name) return;
  if (!password) {
    note("sys-users-status", "Type the new password first.", true);
    $("sys-user-edit-password").focus();
    return;
  }
  if (await account("sys-users-status", `/api/v1/users/${encodeURIComponent(name)}`, "PATCH", { password, mustChangePassword: true },
    (u) => `New password set for ${u.name}; they must change it when they next log in (their sessions were ended).`)) {
    closeEdit();
  }
}

async function removeUser(name) {
  if (!confirm(`Remove user ${name}? Their sessions end at once.`)) return;
  if (state.editing === name) closeEdit();
  await account("sys-users-status", `/api/v1/users/${encodeURIComponent(name)}`, "DELETE", null, () => `Removed ${name}.`);
}

// API tokens

const refreshTokens = (errors) => refreshList(errors, {
  url: "/api/v1/tokens", name: "tokens", noun: "token", row: tokenRow, columns: 8, empty: "No API tokens",
});

function tokenRow(t) {
  const tr = el("tr");
  tr.dataset.token = t.id;
  const id = el("td");
  id.append(el("code", null, t.id));
  const revoke = el("button", null, "Revoke");
  revoke.type = "button";
  revoke.setAttribute("aria-label", `Revoke token ${t.name}`);
  revoke.addEventListener("click", () => revokeToken(t));
  const actions = el("td", "sys-actions");
  actions.append(revoke);
  tr.append(id, el("td", null, t.name), el("td", null, t.role), el("td", null, pathsText(t.paths)), el("td", null, stamp(t.created)),
    el("td", null, t.createdBy || "–"), el("td", null, t.expires ? stamp(t.expires) : "never"), actions);
  return tr;
}

async function createToken(event) {
  event.preventDefault();
  const paths = commaList($("sys-token-paths").value);
  const body = { name: $("sys-token-name").value.trim(), role: $("sys-token-role").value };
  if (paths.length) body.paths = paths;
  if ($("sys-token-days").value) body.expiresInDays = Number($("sys-token-days").value);
  const created = await account("sys-tokens-status", "/api/v1/tokens", "POST", body,
    (r) => `Created ${r.info.role} token ${r.info.name} (${r.info.id}). Copy it now: it is not shown again.`);
  if (created?.token) {
    $("sys-token-form").reset();
    const secret = $("sys-token-secret");
    secret.value = created.token;
    $("sys-token-new").hidden = false;
    secret.focus();
    secret.select();
  }
}

async function copyToken() {
  const secret = $("sys-token-secret");
  try {
    await navigator.clipboard.writeText(secret.value);
    note("sys-tokens-status", "Copied the token to the clipboard.");
  } catch {
    // No clipboard API (a plain-HTTP origin other than localhost): select it for Ctrl+C.
    secret.focus();
    secret.select();
    note("sys-tokens-status", "Selected: press Ctrl+C to copy it.");
  }
}

function hideToken() {
  $("sys-token-secret").value = "";
  $("sys-token-new").hidden = true;
  note("sys-tokens-status", "The token is hidden; it cannot be shown again.");
}

async function revokeToken(t) {
  if (!confirm(`Revoke token ${t.name} (${t.id})? Anything using it is refused at once.`)) return;
  await account("sys-tokens-status", `/api/v1/tokens/${encodeURIComponent(t.id)}`, "DELETE", null, () => `Revoked ${t.name} (${t.id}).`);
}

// About

function kv(id, pairs) {
  $(id).replaceChildren(...pairs.flatMap(([label, value]) => [el("dt", null, label), el("dd", null, value ?? "–")]));
}

const names = (items) => (Array.isArray(items) && items.length ? items.join(", ") : "none");

async function refreshAbout(errors) {
  try {
    const info = await getJson("/api/v1/info");
    kv("sys-about", [
      ["Version", info.version],
      ["Runtime", info.runtime],
      ["Native AOT", info.nativeAot ? "yes" : "no"],
      ["Platform", info.platform],
      ["Started", stamp(info.startedAt)],
      ["Uptime", duration(info.uptimeSeconds)],
      ["Data directory", info.host?.dataDirectory],
    ]);
    const hw = info.hardware;
    kv("sys-hw", hw ? [["Selected", hw.selected], ["Why", hw.reason]] : [["Selected", "not probed yet"]]);
    const apis = Array.isArray(hw?.apis) ? hw.apis : [];
    $("sys-hw-rows").replaceChildren(...(apis.length
      ? apis.map((a) => {
          const tr = el("tr");
          tr.append(el("td", null, a.name), el("td", null, a.available ? "available" : "not available"), el("td", "muted", a.error || "–"));
          return tr;
        })
      : [emptyRow(3, "No hardware API probed")]));
    const ff = info.ffmpeg || {};
    kv("sys-ffmpeg", ff.available
      ? [
          ["Version", ff.version],
          ...Object.entries(ff.libraries || {}).map(([lib, version]) => [lib, version]),
          ["HW device types", names(ff.hardwareDeviceTypes)],
          ["HW codecs", names(ff.hardwareCodecs)],
          ["Video encoders / decoders", `${ff.videoEncoders?.length ?? 0} / ${ff.videoDecoders?.length ?? 0}`],
          ["Audio encoders / decoders", `${ff.audioEncoders?.length ?? 0} / ${ff.audioDecoders?.length ?? 0}`],
        ]
      : [["Status", "not available"], ["Error", ff.error]]);
    const onnx = info.onnxRuntime || {};
    kv("sys-onnx", onnx.available
      ? [["Version", onnx.version], ["Execution providers", names(onnx.executionProviders)], ["Library", onnx.library]]
      : [["Status", "not available"], ["Error", onnx.error]]);
  } catch (e) {
    errors.push(`GET /api/v1/info: ${describe(e)}`);
  }
}

function setUp() {
  for (const select of document.querySelectorAll("#page-system select[data-roles]")) {
    const chosen = select.dataset.roles || "viewer"; // also what a form reset goes back to
    select.replaceChildren(...["viewer", "operator", "admin"].map((role) => {
      const option = el("option", null, role);
      option.defaultSelected = role === chosen;
      return option;
    }));
  }
  const area = editor();
  area.addEventListener("input", () => { updateGutter(); updateCursor(); showInfo(); });
  area.addEventListener("scroll", updateGutter);
  for (const type of ["keyup", "click", "select", "focus"]) area.addEventListener(type, updateCursor);
  area.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); validate(); }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") { e.preventDefault(); save(); }
  });
  $("sys-validate").addEventListener("click", validate);
  $("sys-save").addEventListener("click", save);
  $("sys-reload").addEventListener("click", () => reloadEditor(false));
  $("sys-version-close").addEventListener("click", () => { $("sys-version").hidden = true; state.viewing = null; });
  $("sys-version-rollback").addEventListener("click", () => state.viewing && rollBack(state.viewing));
  $("sys-logs-form").addEventListener("submit", (e) => e.preventDefault());
  for (const id of ["sys-logs-level", "sys-logs-lines"]) $(id).addEventListener("change", () => refreshLogs([]));
  $("sys-logs-refresh").addEventListener("click", () => refreshLogs([]));
  $("sys-user-form").addEventListener("submit", addUser);
  $("sys-user-edit").addEventListener("submit", saveUser);
  $("sys-user-edit-reset").addEventListener("click", resetPassword);
  $("sys-user-edit-cancel").addEventListener("click", closeEdit);
  $("sys-token-form").addEventListener("submit", createToken);
  $("sys-token-copy").addEventListener("click", copyToken);
  $("sys-token-done").addEventListener("click", hideToken);
  window.addEventListener("beforeunload", (e) => { if (dirty()) e.preventDefault(); });
}

setUp();
