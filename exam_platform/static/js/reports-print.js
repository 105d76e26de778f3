// Print buttons on statistics pages (no inline script under the CSP).
for (const el of document.querySelectorAll("[data-print]")) {
  el.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}
