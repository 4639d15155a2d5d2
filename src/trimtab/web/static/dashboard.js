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
