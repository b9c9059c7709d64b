// AccountDesk page behaviour: toasts (also from htmx responses), theme toggle. No inline code (CSP).
(function () {
  "use strict";

  function showToast(text, level) {
    const template = document.getElementById("toast-template");
    const container = document.getElementById("toasts");
    if (!template || !container) return;
    const toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("ad-toast-" + (level || "info"));
    toast.querySelector(".toast-body").textContent = text;
    container.appendChild(toast);
    const instance = bootstrap.Toast.getOrCreateInstance(toast, { delay: 5000 });
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
    instance.show();
  }

  function applyTheme(theme) {
    document.documentElement.dataset.bsTheme = theme;
    localStorage.setItem("accountdesk-theme", theme);
    document.dispatchEvent(new CustomEvent("accountdesk:theme", { detail: { theme } }));
  }

  // The language switch returns to the page as it is now: htmx may have pushed filters,
  // a sort or a page into the address since the page was rendered.
  document.addEventListener("submit", (event) => {
    const next = event.target.closest("[data-testid=language-switch], [data-testid=language-menu]")?.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  });

  // "/" jumps to search from anywhere but a text field; Escape closes the results.
  document.addEventListener("keydown", (event) => {
    const input = document.querySelector("[data-search-input]");
    if (!input) return;
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || document.activeElement.isContentEditable;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      input.focus();
      input.select();
    } else if (event.key === "Escape" && document.activeElement === input) {
      // type=search would clear itself and fire "search", reopening the results.
      event.preventDefault();
      document.getElementById("search-results").innerHTML = "";
      input.blur();
    }
  });
  document.addEventListener("click", (event) => {
    const results = document.getElementById("search-results");
    if (results && !event.target.closest(".ad-search")) results.innerHTML = "";
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".toast[data-autoshow]").forEach((el) => bootstrap.Toast.getOrCreateInstance(el, { delay: 5000 }).show());
    document.querySelectorAll("[data-theme-toggle]").forEach((button) =>
      button.addEventListener("click", () => applyTheme(document.documentElement.dataset.bsTheme === "dark" ? "light" : "dark"))
    );
  });

  document.addEventListener("accountdesk:messages", (event) => {
    (event.detail.value || []).forEach((message) => showToast(message.text, message.level));
  });

  // A form that comes back refused (an htmx swap of a 400) takes the person to its first
  // error, and the cursor to that field: the page does not move under them.
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.xhr && event.detail.xhr.status !== 400) return;
    const root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
    const invalid = root.querySelector(".is-invalid, .invalid-feedback.d-block, .alert-danger");
    if (!invalid) return;
    invalid.scrollIntoView({ block: "center" });
    const field = invalid.matches("input, select, textarea") ? invalid : null;
    if (field) field.focus({ preventScroll: true });
  });

  // A 4xx partial (a form with its errors) still replaces its target; a 5xx shows a toast.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status >= 500 || status === 403 || status === 404) {
      event.detail.shouldSwap = false;
      showToast(document.body.dataset.errorText || "That could not be done.", "error");
    }
  });
})();
