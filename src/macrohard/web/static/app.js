// The Macrohard dashboard: vanilla JS over the /v1 API. No build step, nothing loaded from outside.
// Untrusted text (requests, files, diffs, events) only ever goes through textContent.
"use strict";

const TOKEN_KEY = "macrohard.token";
const SVG = "http://www.w3.org/2000/svg";
const state = { selected: null, stream: null, detailTimer: null, listTimer: null, ended: false };

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${token()}`, ...(options.headers || {}) };
  const res = await fetch(path, { ...options, headers });
  if (res.status === 401) {
    signOut("Your token was refused; sign in again.");
    throw new Error("unauthorized");
  }
  return res;
}

async function problem(res) {
  try {
    const body = await res.json();
    if (Array.isArray(body.detail)) {
      return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    }
    return body.detail || res.statusText;
  } catch {
    return res.statusText;
  }
}

// -- sign in / out -------------------------------------------------------------------------------
function showLogin(message = "") {
  $("login-view").hidden = false;
  $("app-view").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login-error").textContent = message;
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  stopStream();
  clearInterval(state.listTimer);
  showLogin(message);
}

async function signIn(candidate) {
  const res = await fetch("/v1/tenant", {
    headers: { Authorization: `Bearer ${candidate}` },
  });
  if (!res.ok) {
    showLogin(res.status === 401 ? "That token was not accepted." : await problem(res));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  startApp();
}

function startApp() {
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("logout").hidden = false;
  loadBuilds();
  clearInterval(state.listTimer);
  state.listTimer = setInterval(loadBuilds, 5000);
  const wanted = location.hash.slice(1);
  if (wanted) select(wanted);
}

// -- builds list ---------------------------------------------------------------------------------
async function loadTenant() {
  const res = await api("/v1/tenant");
  if (!res.ok) return;
  const t = await res.json();
  const limit = t.tokens_per_day ? ` of ${t.tokens_per_day.toLocaleString()}` : "";
  $("who").textContent = `${t.name} · ${t.active_builds}/${t.max_concurrent} builds active · ${t.tokens_today.toLocaleString()}${limit} tokens today`;
}

async function loadBuilds() {
  loadTenant();
  const res = await api("/v1/builds?limit=50");
  if (!res.ok) return;
  const { builds } = await res.json();
  const list = $("builds");
  list.replaceChildren();
  $("no-builds").hidden = builds.length > 0;
  for (const b of builds) {
    const item = el("li", { "data-id": b.id, class: b.id === state.selected ? "selected" : "" });
    const line = el("div", { class: "line" });
    line.append(el("span", { class: `badge ${b.status}` }, b.status), el("code", {}, b.id));
    item.append(line, el("div", { class: "snippet" }, b.request));
    item.append(el("div", { class: "muted" }, `${b.tokens.toLocaleString()} tokens · ${b.created_at.slice(0, 19).replace("T", " ")}`));
    item.addEventListener("click", () => select(b.id));
    list.append(item);
  }
}

async function submitBuild(event) {
  event.preventDefault();
  $("build-error").textContent = "";
  const body = { request: $("request").value };
  if ($("model").value.trim()) body.model = $("model").value.trim();
  if ($("budget").value) body.budget_tokens = Number($("budget").value);
  $("submit").disabled = true;
  try {
    const res = await api("/v1/builds", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const retry = res.headers.get("Retry-After");
      $("build-error").textContent = (await problem(res)) + (retry ? ` (retry in ${retry} s)` : "");
      return;
    }
    const { id } = await res.json();
    $("request").value = "";
    await loadBuilds();
    select(id);
  } finally {
    $("submit").disabled = false;
  }
}

// -- one build -----------------------------------------------------------------------------------
function select(id) {
  state.selected = id;
  state.ended = false;
  history.replaceState(null, "", `#${id}`);
  for (const li of $("builds").children) li.classList.toggle("selected", li.dataset.id === id);
  $("detail").hidden = false;
  $("events").replaceChildren();
  $("file-content").textContent = "";
  $("diff").textContent = "";
  $("detail-live").textContent = "connecting…";
  loadDetail();
  follow(id);
}

async function loadDetail() {
  const id = state.selected;
  if (!id) return;
  const res = await api(`/v1/builds/${encodeURIComponent(id)}`);
  if (id !== state.selected) return;
  if (!res.ok) {
    $("detail-error").textContent = await problem(res);
    return;
  }
  const b = await res.json();
  $("detail-id").textContent = b.id;
  const status = $("detail-status");
  status.textContent = b.status;
  status.className = `badge ${b.status}`;
  $("detail-verdict").textContent = b.verdict ? `verdict: ${b.verdict}` : "";
  $("detail-request").textContent = b.request;
  $("detail-model").textContent = b.model;
  $("detail-tokens").textContent = `${b.tokens.toLocaleString()} (prompt ${b.token_usage.prompt.toLocaleString()}, completion ${b.token_usage.completion.toLocaleString()})`;
  $("detail-seconds").textContent = `${b.seconds.toFixed(1)} s`;
  $("detail-error").textContent = b.error || "";
  $("cancel").hidden = !["queued", "running"].includes(b.status) || b.cancel_requested;
  drawTimeline(b.phases);
  drawGates(b.gates);
  if (["succeeded", "failed", "stopped", "cancelled"].includes(b.status) || b.run_id) {
    loadFiles();
    loadDiff();
  }
}

function scheduleDetail() {
  clearTimeout(state.detailTimer);
  state.detailTimer = setTimeout(loadDetail, 150);
}

function drawTimeline(phases) {
  const box = $("timeline");
  box.replaceChildren();
  if (!phases.length) {
    box.append(el("p", { class: "muted" }, "Waiting for the company to start…"));
    return;
  }
  const rowH = 30;
  const labelW = 170;
  const barW = 380;
  const width = labelW + barW + 170;
  const maxSeconds = Math.max(1, ...phases.map((p) => p.seconds));
  const maxTokens = Math.max(1, ...phases.map((p) => p.prompt_tokens + p.completion_tokens));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${phases.length * rowH + 4}`,
    width: "100%",
    role: "img",
    "aria-label": "phases: time and tokens",
    id: "timeline-chart",
  });
  phases.forEach((p, i) => {
    const y = i * rowH + 2;
    const tokens = p.prompt_tokens + p.completion_tokens;
    const row = svg("g", { class: `phase ${p.status}`, "data-phase": p.name });
    row.append(svg("text", { x: 0, y: y + 17, class: "label" }, `${p.name} · ${p.role}`));
    row.append(svg("rect", { x: labelW, y: y + 3, width: barW, height: 14, class: "track" }));
    const w = Math.max(p.status === "pending" ? 0 : 2, (p.seconds / maxSeconds) * barW);
    row.append(svg("rect", { x: labelW, y: y + 3, width: w, height: 14, class: "bar" }));
    row.append(svg("rect", { x: labelW, y: y + 20, width: (tokens / maxTokens) * barW, height: 4, class: "tokens" }));
    const verdict = p.verdict && p.verdict !== "ok" ? ` · ${p.verdict}` : "";
    const text = p.status === "pending" ? "pending" : `${p.status}${verdict} · ${p.seconds.toFixed(1)} s · ${tokens.toLocaleString()} tok`;
    row.append(svg("text", { x: labelW + barW + 8, y: y + 15, class: "value" }, text));
    const title = svg("title", {}, p.error ? `${p.name}: ${p.error}` : `${p.name} (${p.role}): ${p.status}`);
    row.append(title);
    chart.append(row);
  });
  box.append(chart);
}

function drawGates(gates) {
  const list = $("gates");
  list.replaceChildren();
  $("no-gates").hidden = gates.length > 0;
  for (const g of gates) {
    const item = el("li", { class: g.status });
    item.append(el("span", { class: `badge ${g.status}` }, g.status), el("strong", {}, g.gate));
    item.append(el("span", { class: "muted" }, ` ${g.summary}${g.required ? "" : " (advisory)"}`));
    list.append(item);
  }
}

async function loadFiles() {
  const id = state.selected;
  const res = await api(`/v1/builds/${encodeURIComponent(id)}/files`);
  if (!res.ok || id !== state.selected) return;
  const { files } = await res.json();
  const list = $("files");
  const open = list.querySelector(".selected")?.dataset.path;
  list.replaceChildren();
  for (const path of files) {
    const item = el("li", { "data-path": path, class: path === open ? "selected" : "" }, path);
    item.addEventListener("click", () => showFile(path));
    list.append(item);
  }
}

async function showFile(path) {
  const id = state.selected;
  for (const li of $("files").children) li.classList.toggle("selected", li.dataset.path === path);
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const res = await api(`/v1/builds/${encodeURIComponent(id)}/files/${encoded}`);
  $("file-content").textContent = res.ok ? await res.text() : await problem(res);
}

async function loadDiff() {
  const id = state.selected;
  const res = await api(`/v1/builds/${encodeURIComponent(id)}/diff`);
  if (!res.ok || id !== state.selected) return;
  const text = await res.text();
  const pre = $("diff");
  pre.replaceChildren();
  for (const line of text.split("\n")) {
    let cls = "";
    if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ")) cls = "meta";
    else if (line.startsWith("+")) cls = "add";
    else if (line.startsWith("-")) cls = "del";
    else if (line.startsWith("@@")) cls = "hunk";
    pre.append(el("span", { class: cls }, `${line}\n`));
  }
  if (!text) pre.textContent = "No changes committed yet.";
}

// -- live events (server-sent events over fetch, so the token goes in a header, not the URL) -----
function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
}

function logEvent(kind, data) {
  const item = el("li", { class: kind.replace(/\W/g, "-") });
  const when = (data.ts || "").slice(11, 19);
  let text = kind;
  if (data.name) text += ` ${data.name}`;
  if (data.role) text += ` (${data.role})`;
  if (data.verdict) text += ` → ${data.verdict}`;
  if (data.status) text += ` ${data.status}`;
  if (data.error) text += `: ${data.error}`;
  if (kind === "model.call") {
    text += ` ${(data.prompt_tokens + data.completion_tokens).toLocaleString()} tokens, ${data.seconds} s`;
  }
  if (kind === "end") text = `end: ${data.status}${data.verdict ? ` (${data.verdict})` : ""}`;
  item.append(el("time", {}, when), el("span", {}, text));
  $("events").append(item);
}

async function follow(id) {
  stopStream();
  const controller = new AbortController();
  state.stream = controller;
  let last = null;
  while (!controller.signal.aborted && !state.ended) {
    try {
      const headers = last ? { "Last-Event-ID": String(last) } : {};
      const res = await api(`/v1/builds/${encodeURIComponent(id)}/events`, {
        headers,
        signal: controller.signal,
      });
      if (!res.ok) {
        $("detail-live").textContent = await problem(res);
        return;
      }
      $("detail-live").textContent = "following";
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message = parse(block);
          if (!message || controller.signal.aborted) continue;
          if (message.id) last = message.id;
          onMessage(message);
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      $("detail-live").textContent = "reconnecting…";
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function parse(block) {
  let kind = "message";
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") kind = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  try {
    return { kind, id, data: JSON.parse(data.join("\n")) };
  } catch {
    return null;
  }
}

function onMessage({ kind, data }) {
  logEvent(kind, data);
  if (kind === "end") {
    state.ended = true;
    $("detail-live").textContent = `finished: ${data.status}`;
    loadDetail();
    loadBuilds();
    return;
  }
  scheduleDetail();
  if (kind === "phase.finished" || kind === "phase.failed") loadBuilds();
}

// -- wiring --------------------------------------------------------------------------------------
function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
  }
  for (const pane of ["events", "files", "diff"]) $(`tab-${pane}`).hidden = pane !== name;
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn($("token").value.trim());
  });
  $("logout").addEventListener("click", () => signOut());
  $("build-form").addEventListener("submit", submitBuild);
  $("refresh").addEventListener("click", loadBuilds);
  $("cancel").addEventListener("click", async () => {
    const res = await api(`/v1/builds/${encodeURIComponent(state.selected)}/cancel`, { method: "POST" });
    if (!res.ok) $("detail-error").textContent = await problem(res);
    loadDetail();
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  if (token()) startApp();
  else showLogin();
});
