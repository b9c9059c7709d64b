// The pipeline page: each open stage's net and weighted net as horizontal bars (Chart.js).
// The data comes from the page's json_script; the table beside the chart says the same.
(function () {
  "use strict";

  function draw() {
    const source = document.getElementById("pipeline-chart-data");
    const canvas = document.querySelector("[data-pipeline-chart]");
    if (!source || !canvas || typeof Chart === "undefined") return;
    const chart = JSON.parse(source.textContent);
    const styles = getComputedStyle(document.documentElement);
    const muted = styles.getPropertyValue("--bs-secondary-color").trim() || "#888";
    const grid = styles.getPropertyValue("--bs-border-color-translucent").trim() || "rgba(0,0,0,.1)";
    const colors = [styles.getPropertyValue("--bs-primary").trim() || "#2f5bd3", styles.getPropertyValue("--bs-success").trim() || "#198754"];
    const locale = document.documentElement.lang || "en";
    const money = new Intl.NumberFormat(locale, { style: "currency", currency: chart.currency, maximumFractionDigits: 0 });
    Chart.getChart(canvas)?.destroy();
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((dataset, index) => ({
          label: dataset.label, data: dataset.data.map(Number), backgroundColor: colors[index % colors.length], borderRadius: 3, maxBarThickness: 18,
        })),
      },
      options: {
        indexAxis: "y", locale,
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { labels: { color: muted } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.x)}` } },
        },
        scales: {
          x: { beginAtZero: true, ticks: { color: muted, maxTicksLimit: 5, callback: (value) => money.format(value) }, grid: { color: grid } },
          y: { ticks: { color: muted }, grid: { display: false } },
        },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  // The colours come from the theme's CSS variables: redraw when it changes.
  document.addEventListener("accountdesk:theme", draw);
})();
