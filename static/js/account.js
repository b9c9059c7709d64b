// The account page: small charts of each objective's actual over its period (Chart.js).
(function () {
  "use strict";
  function draw() {
    const source = document.getElementById("objective-data");
    if (!source || typeof Chart === "undefined") return;
    const objectives = JSON.parse(source.textContent);
    const styles = getComputedStyle(document.documentElement);
    const color = styles.getPropertyValue("--bs-primary").trim() || "#2f5bd3";
    const muted = styles.getPropertyValue("--bs-secondary-color").trim() || "#888";
    objectives.forEach((objective) => {
      const canvas = document.querySelector(`[data-objective-chart="${objective.id}"]`);
      if (!canvas || objective.points.length < 2) return;
      Chart.getChart(canvas)?.destroy();
      new Chart(canvas, {
        type: "line",
        data: {
          labels: objective.points.map((p) => p[0]),
          datasets: [{ data: objective.points.map((p) => Number(p[1])), borderColor: color, backgroundColor: color, tension: 0.25, pointRadius: 2 }],
        },
        options: {
          locale: document.documentElement.lang || "en",
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false }, tooltip: { enabled: true } },
          scales: { x: { display: false }, y: { display: true, ticks: { color: muted, maxTicksLimit: 3 }, grid: { display: false } } },
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  // The colours come from the theme's CSS variables: redraw when it changes.
  document.addEventListener("accountdesk:theme", draw);
})();
