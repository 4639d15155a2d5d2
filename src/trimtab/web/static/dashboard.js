// Approve/Reject without leaving the page: the first click disables both buttons, so a
// double click sends one request (the server decides exactly once in any case).
document.querySelectorAll("form.decide").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const article = form.closest("article");
    article.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const progress = article.querySelector(".progress");
    progress.textContent = "Working…";
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const decision = await response.json();
      progress.textContent = `${decision.outcome}: ${decision.message}`;
      article.querySelector(".status").textContent = decision.outcome;
      article.dataset.outcome = decision.outcome;
    } catch (error) {
      progress.textContent = `failed: ${error}`;
    }
  });
});

// Live updates: every 10 s the page asks /api/state for the latest analysis and plans,
// refreshes the figures in place, and says when a new plan is waiting.
const pct = (x) => `${(x * 100).toFixed(1)}%`;
async function refresh() {
  try {
    const response = await fetch("/api/state", { credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    const spot = document.getElementById("spot-value");
    if (spot) spot.textContent = `${state.spot_value.toLocaleString("en-US", {
      minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${state.quote}`;
    for (const asset of state.assets) {
      const row = document.querySelector(`tr[data-asset="${asset.asset}"]`);
      if (!row) continue;
      row.classList.toggle("breached", asset.breached);
      row.classList.toggle("ok", !asset.breached);
      const cell = row.querySelector(".weight-value");
      if (cell) cell.textContent = pct(asset.weight);
    }
    const shown = new Set([...document.querySelectorAll("article.plan")].map((a) => a.dataset.plan));
    const fresh = state.plans.filter((p) => p.waiting && !shown.has(p.id));
    const banner = document.getElementById("new-plan");
    if (banner && fresh.length) {
      banner.hidden = false;
      banner.textContent = `Plan ${fresh[0].id} is waiting for approval: reload to see it.`;
    }
    document.body.dataset.refreshed = state.as_of;
  } catch (error) { /* the next tick tries again */ }
}
setInterval(refresh, Number(document.body.dataset.refreshMs || 10000));
