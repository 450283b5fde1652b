// Accounts in the console: the first-run set-up (setup code from the log + the administrator's name and
// password), the login form, the forced password change, and who is logged in. The session is an
// HttpOnly cookie, so this module never sees it: it asks GET /api/v1/auth/me who we are.
import { $, describe } from "./util.js";

export const ROLES = { viewer: 1, operator: 2, admin: 3 };

export async function whoAmI() {
  const response = await fetch("/api/v1/auth/me", { headers: { Accept: "application/json" }, cache: "no-store", signal: AbortSignal.timeout(8000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

export function atLeast(me, role) {
  return (ROLES[me?.role] ?? 0) >= ROLES[role];
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15000), // PBKDF2 takes a moment on a small box
  });
  let data = null;
  try { data = await response.json(); } catch { /* 204 */ }
  return { status: response.status, data };
}

// Shows one of the gate pages (login, setup, password) and hides the console.
function showGate(id) {
  document.body.classList.add("gated");
  for (const gate of ["page-login", "page-setup", "page-password"]) $(gate).hidden = gate !== id;
  const first = $(id).querySelector("input");
  if (first) first.focus();
}

export function hideGates() {
  document.body.classList.remove("gated");
  for (const gate of ["page-login", "page-setup", "page-password"]) $(gate).hidden = true;
}

function fail(noteId, text) {
  const note = $(noteId);
  note.textContent = text;
  note.hidden = !text;
}

// Resolves with the caller once they are logged in (after set-up or a password change if needed).
export function gate(me) {
  return new Promise((resolve) => {
    const done = (next) => { hideGates(); resolve(next); };
    const route = (next) => {
      if (next.authenticated && next.mustChangePassword) { askPassword(next, done, true); return; }
      if (next.authenticated) { done(next); return; }
      if (next.setupRequired) askSetup(route); else askLogin(route);
    };
    route(me);
  });
}

function askSetup(route) {
  showGate("page-setup");
  fail("setup-error", "");
  $("setup-form").onsubmit = async (event) => {
    event.preventDefault();
    if ($("setup-password").value !== $("setup-confirm").value) { fail("setup-error", "The two passwords differ."); $("setup-confirm").focus(); return; }
    $("setup-submit").disabled = true;
    try {
      const { status, data } = await post("/api/v1/auth/setup", { code: $("setup-code").value, name: $("setup-name").value, password: $("setup-password").value });
      if (status === 200) { route(data); return; }
      if (status === 409) { route(await whoAmI()); return; }
      fail("setup-error", data?.error || `HTTP ${status}`);
    } catch (e) {
      fail("setup-error", describe(e));
    } finally {
      $("setup-submit").disabled = false;
    }
  };
}

function askLogin(route) {
  showGate("page-login");
  fail("login-error", "");
  $("login-form").onsubmit = async (event) => {
    event.preventDefault();
    $("login-submit").disabled = true;
    try {
      const { status, data } = await post("/api/v1/auth/login", { name: $("login-name").value, password: $("login-password").value });
      if (status === 200) { $("login-password").value = ""; route(data); return; }
      fail("login-error", data?.error || `HTTP ${status}`);
      $("login-password").select();
    } catch (e) {
      fail("login-error", describe(e));
    } finally {
      $("login-submit").disabled = false;
    }
  };
}

// The password page: forced after an admin set the password, or chosen from the user menu (cancel allowed).
export function askPassword(me, done, forced) {
  showGate("page-password");
  fail("password-error", "");
  $("password-forced").hidden = !forced;
  $("password-cancel").hidden = forced;
  $("password-cancel").onclick = () => done(me);
  $("password-form").onsubmit = async (event) => {
    event.preventDefault();
    if ($("password-new").value !== $("password-confirm").value) { fail("password-error", "The two new passwords differ."); return; }
    $("password-submit").disabled = true;
    try {
      const { status, data } = await post("/api/v1/auth/password", { current: $("password-current").value, password: $("password-new").value });
      if (status === 204) {
        for (const id of ["password-current", "password-new", "password-confirm"]) $(id).value = "";
        done(await whoAmI());
        return;
      }
      fail("password-error", data?.error || `HTTP ${status}`);
    } catch (e) {
      fail("password-error", describe(e));
    } finally {
      $("password-submit").disabled = false;
    }
  };
}

export async function logout() {
  await fetch("/api/v1/auth/logout", { method: "POST", signal: AbortSignal.timeout(8000) }).catch(() => {});
}

// "admin (admin)" in the top bar, with the menu's buttons.
export function showUser(me) {
  $("user-name").textContent = me.kind === "anonymous" ? `anonymous ${me.role}` : me.name;
  $("user-role").textContent = me.kind === "anonymous" ? "" : me.role;
  $("user-password").hidden = me.kind !== "user";
  $("user-logout").hidden = me.kind !== "user";
  document.body.dataset.role = me.role;
  for (const node of document.querySelectorAll("[data-min-role]")) node.hidden = !atLeast(me, node.dataset.minRole);
}
