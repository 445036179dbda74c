// The Pareto chart of problem causes (Chart.js, served locally): counts as bars, the
// cumulative share as a line on its own 0-100 % axis, from the JSON the page carries.
(function () {
  var data = document.getElementById("pareto-data");
  var canvas = document.getElementById("pareto");
  if (!data || !canvas || !window.Chart) { return; }
  var pareto = JSON.parse(data.textContent);
  new window.Chart(canvas, {
    data: { labels: pareto.labels, datasets: [
      { type: "bar", label: pareto.count_label, data: pareto.counts, backgroundColor: "#123d6a", yAxisID: "y" },
      { type: "line", label: pareto.cumulative_label, data: pareto.cumulative, borderColor: "#e3a008", yAxisID: "pct" }
    ] },
    options: { animation: false, maintainAspectRatio: false, font: { family: "Sarabun" },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                pct: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } }
  });
})();
