// Blueprint editor: re-check the blueprint against the bank whenever a field changes (no saving).
// The server answers with the total points, the rule problems per field and the strata the bank cannot fill.
const form = document.querySelector("form[data-check-url]");
if (form) {
  const status = document.getElementById("bp-live");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let timer = null;

  const render = (result) => {
    status.replaceChildren();
    status.className = "bp-status " + (result.ok ? "ok" : "bad");
    const total = document.createElement("p");
    total.textContent = status.dataset.totalLabel.replace("{n}", result.total_points);
    status.append(total);
    const lines = [...result.errors.map((e) => e.message), ...result.shortages];
    if (lines.length === 0) {
      const ok = document.createElement("p");
      ok.textContent = status.dataset.okLabel;
      status.append(ok);
    } else {
      const list = document.createElement("ul");
      for (const line of lines) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      status.append(list);
    }
  };

  const check = async () => {
    const data = {};
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrf_token") data[name] = value;
    }
    data.partial_credit = form.querySelector('[name="partial_credit"]')?.checked || false;
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(data),
        credentials: "same-origin",
      });
      const body = await response.json();
      if (response.ok) render(body);
      else if (body.error) render({ ok: false, total_points: "?", errors: [body.error], shortages: [] });
    } catch (_err) {
      // Offline or the server is busy: the server-side check on save still applies.
    }
  };

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 100);
  });
}
