// Draws each diagram with the packaged Mermaid, colours an execution's states by what happened to them, opens a
// state's panel when it is selected, and polls a running execution's statuses every 500 ms.
"use strict";

const STATUSES = ["succeeded", "failed", "caught", "retried", "running", "not-entered"];
const NODE_ID = /-state-(.+)-\d+$/;

function pageData() {
  const element = document.getElementById("page-data");
  return element ? JSON.parse(element.textContent) : null;
}

// Each state's drawn group, by the Mermaid id the server gave the state.
function stateNodes() {
  const nodes = new Map();
  document.querySelectorAll(".diagram svg g[id]").forEach((group) => {
    const classes = group.getAttribute("class") || "";
    const match = NODE_ID.exec(group.id);
    if (match && /statediagram-(state|cluster)/.test(classes) && !nodes.has(match[1])) {
      nodes.set(match[1], group);
      group.dataset.stateId = match[1];
    }
  });
  return nodes;
}

function colour(nodes, states) {
  for (const [stateId, status] of Object.entries(states)) {
    const group = nodes.get(stateId);
    if (!group) continue;
    STATUSES.forEach((value) => group.classList.remove("st-" + value));
    group.classList.add("st-" + status);
    group.dataset.status = status;
  }
}

function select(stateId, nodes) {
  document.querySelectorAll(".state-panel").forEach((panel) => {
    panel.hidden = panel.dataset.stateId !== stateId;
  });
  nodes.forEach((group, id) => group.classList.toggle("selected", id === stateId));
  const none = document.getElementById("no-state");
  if (none) none.hidden = true;
}

function poll(url, nodes, every) {
  const timer = setInterval(async () => {
    const answer = await fetch(url, { headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const data = await answer.json();
    colour(nodes, data.states);
    if (data.status !== "RUNNING") {
      clearInterval(timer);
      window.location.reload(); // the finished execution's panels, history, timeline and cost
    }
  }, every);
}

// A state machine's start form: choosing an example input fills the JSON box, and says how it will be started.
function presets() {
  const element = document.getElementById("presets-data");
  const select = document.getElementById("preset");
  if (!element || !select) return;
  const given = JSON.parse(element.textContent);
  select.addEventListener("change", () => {
    const preset = select.value === "" ? null : given[Number(select.value)];
    if (!preset) {
      document.getElementById("started-by").textContent = "";
      return;
    }
    document.getElementById("input").value = preset.input;
    document.getElementById("started-by").textContent = preset.startedBy ? "Started " + preset.startedBy + "." : "";
  });
}

async function main() {
  presets();
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
  try {
    await mermaid.run({ querySelector: ".diagram pre.mermaid" });
  } catch (error) {
    document.querySelectorAll(".diagram").forEach((diagram) => {
      const note = document.createElement("p");
      note.className = "error";
      note.textContent = "The diagram could not be drawn: " + error;
      diagram.prepend(note);
    });
  }
  document.body.dataset.diagrams = "drawn";
  const data = pageData();
  if (!data) return;
  const nodes = stateNodes();
  colour(nodes, data.states);
  nodes.forEach((group, stateId) => {
    group.addEventListener("click", (event) => {
      event.stopPropagation();
      select(stateId, nodes);
    });
  });
  if (data.status === "RUNNING") poll(window.location.pathname + "/status.json", nodes, data.poll);
}

main();
