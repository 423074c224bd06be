// The dashboard page: draws each board the server pushes (server-sent events on /events) and
// runs the buttons' actions (POST /actions/KEY with the token from this page's URL). Every
// text from the engine goes in through textContent, never as HTML.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const delays = [];  // ms from an engine event to this page first drawing its effect (read by the browser test)
const causes = new Set();  // the events whose effect was drawn: each counted once
window.dashboard = { delays: delays, boards: 0, lastBoard: null };
let running = false;  // an action runs: buttons drawn meanwhile start disabled
const columns = new Map();  // one column per node name, kept across boards

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function releaseColour(release) {  // the same release: the same colour, on every load
  let hash = 0;
  for (const ch of release) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360}, 65%, 78%)`;
}

function drawExamples(engine) {
  const body = document.querySelector("#examples tbody");
  body.replaceChildren(...engine.examples.map((row) => {
    const urls = row.urls.map((url) => el("div", {}, el("a", { href: url, target: "_blank", rel: "noopener" }, url)));
    const state = el("span", { class: `state state-${row.state.replace(" ", "-")}` }, row.state);
    const note = row.note ? el("div", { class: "muted" }, row.note) : "";
    return el("tr", { "data-example": row.name, "data-state": row.state },
      el("td", {}, row.name), el("td", {}, state, note), el("td", {}, ...urls), el("td", {}, el("code", {}, row.start)));
  }));
}

function drawCounter(panels) {
  const counter = Object.values(panels).find((view) => view.kind === "counter");
  document.getElementById("count").textContent =
    counter && counter.count !== null ? String(counter.count) : "– (the compose stack is not running)";
}

const buttons = new Map();  // one element per action and node, kept across boards

function button(action, argument) {
  // A board redraws the page several times a second while the swarm changes. A button that was
  // built anew each time could be swapped out between a press and its release, and the press
  // would be lost; so each button is made once and moved into place.
  const key = `${action.key} ${argument || ""}`;
  let b = buttons.get(key);
  if (!b) {
    b = el("button", { type: "button", "data-action": action.key });
    if (argument) b.setAttribute("data-node", argument);
    b.addEventListener("click", () => act(b.action, argument || ""));
    buttons.set(key, b);
  }
  b.action = action;
  b.title = action.command;
  b.textContent = action.label;
  b.disabled = running;
  return b;
}

function place(parent, children) {
  // children in this order, touching the parent only where they differ
  const now = Array.from(parent.children);
  if (now.length === children.length && now.every((node, i) => node === children[i])) return;
  parent.replaceChildren(...children);
}

function drawButtons(actions) {
  place(document.getElementById("buttons"), actions.filter((a) => !a.per_node).map((a) => button(a)));
}

function drawSwarm(board) {
  const { panels, actions, engines } = board;
  const [name, view] = Object.entries(panels).find(([, v]) => v.kind === "cluster") || [];
  const note = document.getElementById("swarm-note");
  const area = document.getElementById("swarm");
  const cluster = Object.entries(engines).find(([engine]) => engine !== "engine");
  if (!view || !view.present) {
    // no manager to ask: either there is no cluster, or its nodes are there and the manager is not
    const row = board.engine.examples.find((r) => r.name === name);
    const there = row && row.state !== "not started";
    note.textContent = there
      ? `the cluster's manager does not answer${row.note ? ` (${row.note})` : ""}; the page comes back by itself when it does`
      : "no swarm: the swarm.up button (or `invoke swarm.up`) makes one";
    note.className = there ? "problem" : "muted";
    area.replaceChildren();
    return;
  }
  if (!view.ok || (cluster && cluster[1].ok === false)) {
    note.textContent = view.error || `the cluster's manager does not answer (${cluster[1].error}); ` +
      "the page comes back by itself when it does";
    note.className = "problem";
    if (!view.ok) { area.replaceChildren(); return; }
  } else {
    note.textContent = `${view.nodes.length} node(s), ${view.tasks.length} task(s)` +
      (view.settling ? " — changing…" : "");
    note.className = "muted";
  }
  const perNode = actions.filter((a) => a.per_node);
  place(area, view.nodes.map((node) => {
    const down = node.state !== "ready";
    const column = columns.get(node.name) || el("div", {}, el("h3", {}, node.name), el("div", { class: "facts" }),
      el("div", { class: "buttons" }), el("div", { class: "tasks" }));
    columns.set(node.name, column);
    column.className = `node${down ? " down" : ""}${node.availability !== "active" ? " drain" : ""}`;
    for (const [key, value] of Object.entries({ node: node.name, state: node.state, availability: node.availability })) {
      column.setAttribute(`data-${key}`, value);
    }
    const [, facts, row, tasks] = column.children;
    facts.textContent = `${node.role} · ${node.availability} · ${node.state}${node.redis ? " · keeps Redis" : ""}`;
    place(row, perNode.filter((a) => a.key !== "swarm.kill" || node.role === "worker").map((a) => button(a, node.name)));
    tasks.replaceChildren(...view.tasks.filter((t) => t.node === node.id).map((task) => {
      const box = el("div", {
        class: `task${task.state === "running" ? "" : " moving"}`, title: task.error || task.state,
        "data-service": task.service, "data-release": task.release, "data-state": task.state,
        "data-replica": String(task.replica),
      }, `${task.service}.${task.replica} `, el("span", { class: "release" }, task.release), ` ${task.state}`);
      box.style.background = releaseColour(task.release);
      return box;
    }));
    return column;
  }));
}

function drawEvents(events) {
  document.getElementById("events").replaceChildren(
    ...events.map((e) => el("li", {}, `${e.at} [${e.engine}] ${e.text}`)));
}

function drawProblems(board) {
  const problems = [];
  if (!board.engine.ok) problems.push(`Docker engine: ${board.engine.error} — the page recovers by itself when it answers again`);
  const mine = board.engines.engine;
  if (mine && mine.ok === false && board.engine.ok) problems.push(`Docker engine: ${mine.error}`);
  const box = document.getElementById("problems");
  box.textContent = problems.join("\n");
  box.hidden = problems.length === 0;
}

function draw(board) {
  drawProblems(board);
  drawExamples(board.engine);
  drawCounter(board.panels);
  drawButtons(board.actions);
  drawSwarm(board);
  drawEvents(board.events);
  window.dashboard.boards += 1;
  window.dashboard.lastBoard = board;
  if (board.cause && !causes.has(board.cause)) {
    causes.add(board.cause);
    const delay = Date.now() - board.cause / 1e6;
    delays.push(delay);
    document.getElementById("delay").textContent = `last change on screen ${Math.round(delay)} ms after its event`;
  }
}

async function act(action, argument) {
  const result = document.getElementById("result");
  running = true;
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  result.hidden = false;
  result.className = "result";
  result.removeAttribute("data-ok"); // the last action's outcome is not this one's
  result.textContent = `running ${action.command}${argument ? " " + argument : ""} …`;
  try {
    const answer = await fetch(`/actions/${encodeURIComponent(action.key)}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-dashboard-token": token },
      body: JSON.stringify({ argument: argument }),
    });
    const ran = (answer.headers.get("content-type") || "").startsWith("application/json")
      ? await answer.json() : { ok: false, error: (await answer.text()).trim() };
    result.className = ran.ok ? "result" : "result failed";
    result.setAttribute("data-ok", String(ran.ok));
    result.textContent = ran.ok ? `$ ${ran.command}\n${ran.output}` : `$ ${ran.command || action.command}\nerror: ${ran.error}`;
  } catch (error) {
    result.className = "result failed";
    result.setAttribute("data-ok", "false");
    result.textContent = `the dashboard does not answer (${error.message})`;
  } finally {
    running = false;
    for (const b of document.querySelectorAll("button")) b.disabled = false;
  }
}

function connect() {
  const link = document.getElementById("link");
  const source = new EventSource("/events");
  source.onopen = () => { link.textContent = "live"; link.className = "pill live"; };
  source.onmessage = (message) => draw(JSON.parse(message.data));
  source.onerror = () => { link.textContent = "dashboard not reachable: retrying"; link.className = "pill lost"; };
}

connect();
