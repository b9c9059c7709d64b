// The receivables page: a stacked bar of the aging buckets, a part per currency (Chart.js).
// The data comes from the page's json_script; the table beside the chart says the same.
(function () {
  "use strict";
  // The parts' colours, in the order of the currencies (Bootstrap's own variables).
  const PALETTE = ["--bs-primary", "--bs-warning", "--bs-info", "--bs-success", "--bs-danger", "--bs-secondary"];

  function draw() {
    const source = document.getElementById("aging-chart-data");
    const canvas = document.querySelector("[data-aging-chart]");
    if (!source || !canvas || typeof Chart === "undefined") return;
    const chart = JSON.parse(source.textContent);
    const styles = getComputedStyle(document.documentElement);
    const muted = styles.getPropertyValue("--bs-secondary-color").trim() || "#888";
    const grid = styles.getPropertyValue("--bs-border-color-translucent").trim() || "rgba(0,0,0,.1)";
    const locale = document.documentElement.lang || "en";
    const money = new Intl.NumberFormat(locale, { style: "currency", currency: chart.currency, maximumFractionDigits: 0 });
    Chart.getChart(canvas)?.destroy();
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((dataset, index) => {
          const color = styles.getPropertyValue(PALETTE[index % PALETTE.length]).trim() || "#2f5bd3";
          return { label: dataset.label, data: dataset.data.map(Number), backgroundColor: color, borderRadius: 3, maxBarThickness: 56 };
        }),
      },
      options: {
        locale,
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { display: chart.datasets.length > 1, labels: { color: muted } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.y)}` } },
        },
        scales: {
          x: { stacked: true, ticks: { color: muted }, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { color: muted, maxTicksLimit: 5, callback: (value) => money.format(value) }, grid: { color: grid } },
        },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  // The colours come from the theme's CSS variables: redraw when it changes.
  document.addEventListener("accountdesk:theme", draw);
})();
