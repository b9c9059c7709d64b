// Clients pages: the value-driver sliders show their numbers, the bar and the total as they
// move. Without this file the sliders still post their values. No inline code (CSP).
(function () {
  "use strict";

  const WIDTH_CLASS = /^w-pct-\d+$/;

  function setWidth(element, value) {
    [...element.classList].filter((name) => WIDTH_CLASS.test(name)).forEach((name) => element.classList.remove(name));
    element.classList.add("w-pct-" + value);
  }

  function refresh(form) {
    let total = 0;
    form.querySelectorAll("input[data-weight]").forEach((input) => {
      const value = Math.min(100, Math.max(0, parseInt(input.value, 10) || 0));
      total += value;
      const output = form.querySelector('[data-weight-output="' + input.name + '"]');
      if (output) output.textContent = value;
      const segment = form.querySelector('[data-weight-segment="' + input.name + '"]');
      if (segment) {
        setWidth(segment, value);
        segment.querySelector(".progress-bar").textContent = value >= 12 ? value + "%" : "";
      }
    });
    const box = form.querySelector("[data-weights-total]");
    if (!box) return;
    const ok = total === 100;
    box.querySelector("[data-weights-sum]").textContent = total;
    box.querySelector("[data-weights-message]").textContent = ok ? box.dataset.okText : box.dataset.offText;
    const state = box.querySelector("[data-weights-state]");
    state.classList.toggle("text-success", ok);
    state.classList.toggle("text-danger", !ok);
    const icon = box.querySelector("[data-weights-icon]");
    icon.classList.toggle("bi-check-circle", ok);
    icon.classList.toggle("bi-exclamation-circle", !ok);
  }

  document.addEventListener("input", (event) => {
    const form = event.target.closest("[data-weights]");
    if (form && event.target.matches("input[data-weight]")) refresh(form);
  });
})();
