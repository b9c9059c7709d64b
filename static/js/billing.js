// Billing's pages: another empty line on the new-invoice form (a Django formset). No inline code (CSP).
(function () {
  "use strict";

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-line]");
    if (!button) return;
    const form = button.closest("form");
    const total = form.querySelector("input[name$='-TOTAL_FORMS']");
    const template = form.querySelector("template[data-line-template]");
    const lines = form.querySelector("[data-lines]");
    if (!total || !template || !lines) return;
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    lines.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    lines.lastElementChild.querySelector("select, input")?.focus();
  });
})();
