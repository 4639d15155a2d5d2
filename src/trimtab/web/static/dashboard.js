// The dashboard's one script. The page works without it (forms post, charts are SVG);
// with it, decisions happen in place and every section refreshes itself.
const decided = new Map(); // plan id -> outcome text, kept across live refreshes
const busy = new Set(); // plan ids whose decision is in flight: their section is not swapped

function notice(text) {
  const box = document.getElementById("notice");
  box.hidden = false;
  box.textContent = text;
}

async function post(form) {
  const response = await fetch(form.action, {
    method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  return response.json();
}

// Approve/Reject: the first click disables both buttons, so a double click sends one
// request (the server decides exactly once in any case).
async function decide(form) {
  const article = form.closest("article");
  const id = article.dataset.plan;
  article.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  article.querySelector(".progress").textContent = "Working…";
  busy.add(id);
  let changed = false;
  try {
    const decision = await post(form);
    // the server says whether the plan may be approved again (nothing was decided, or it
    // failed before anything was sent): then its buttons stay, and the line is a notice
    if (decision.approvable === true) {
      // a failed plan shows its new status at once; a busy answer changed nothing, and a
      // refresh then would race the user's next click (and the lock is likely still held)
      changed = decision.outcome !== "busy";
      notice(`plan ${id}: ${decision.outcome}: ${decision.message}`);
      decided.delete(id);
      article.querySelector(".progress").textContent = "";
      article.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      return;
    }
    decided.set(id, [decision.outcome, `${decision.outcome}: ${decision.message}`]);
  } catch (error) {
    decided.set(id, ["error", `failed: ${error}`]);
  } finally {
    busy.delete(id);
    showDecisions();
    if (changed) refresh(); // the plan's new status (failed) and reason, with its buttons
  }
}

async function propose(form) {
  form.querySelector("button").disabled = true;
  try {
    const proposal = await post(form);
    if (proposal.plan_id) seen.add(proposal.plan_id); // announced by the notice instead
    notice(proposal.message);
  } catch (error) {
    notice(`failed: ${error}`);
  }
  await refresh();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form.decide")) { event.preventDefault(); decide(form); }
  if (form.matches("form.propose")) { event.preventDefault(); propose(form); }
});

function showDecisions() {
  for (const [id, [outcome, text]] of decided) {
    const plan = document.getElementById(`plan-${id}`);
    if (!plan) continue;
    plan.dataset.outcome = outcome;
    plan.querySelector(".status").textContent = outcome;
    const progress = plan.querySelector(".progress");
    if (progress) progress.textContent = text;
    plan.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  }
}

// Live updates: every few seconds each section is rendered afresh by the server and
// swapped in place (charts, bars, triggers, plans alike); open <details> stay open.
async function refresh() {
  try {
    const response = await fetch("/api/sections", { credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    for (const [name, html] of Object.entries(state.sections)) {
      const section = document.getElementById(name);
      if (!section || (name === "plans" && busy.size)) continue;
      const open = [...section.querySelectorAll("details[open]")].map((d) => d.id);
      section.innerHTML = html;
      open.forEach((id) => { const d = id && document.getElementById(id); if (d) d.open = true; });
    }
    showDecisions();
    announce(state.waiting);
    document.body.dataset.refreshed = state.as_of;
  } catch (error) { /* the next tick tries again */ }
}

const seen = new Set([...document.querySelectorAll("article.plan")].map((a) => a.dataset.plan));
function announce(waiting) {
  const fresh = waiting.filter((id) => !seen.has(id));
  fresh.forEach((id) => seen.add(id));
  if (!fresh.length) return;
  const banner = document.getElementById("new-plan");
  banner.hidden = false;
  banner.textContent = `Plan ${fresh[fresh.length - 1]} is waiting for approval (under Plans).`;
}

setInterval(refresh, Number(document.body.dataset.refreshMs || 10000));
