// The national-alignment page's charts (Chart.js, served locally) from the JSON the page
// carries: each entry's budget and disbursement (million THB), and its disbursed %, physical
// progress % and mean % of target side by side. Entries are named, never coded (long names
// cut short on the axis, whole in the tooltip).
(function () {
  var data = document.getElementById("rollup-data");
  if (!data || !window.Chart) { return; }
  var d = JSON.parse(data.textContent);
  window.Chart.defaults.font.family = "Sarabun, sans-serif";  // the Thai font, once loaded

  function chart(id, datasets, more) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    canvas.chart = new window.Chart(canvas, { type: "bar", data: { labels: d.labels, datasets: datasets },
      options: Object.assign({ animation: false, maintainAspectRatio: false, indexAxis: "y",
        // the axis shows a name cut short; the tooltip the whole of it
        plugins: { tooltip: { callbacks: { title: function (items) { return d.names[items[0].dataIndex]; } } } }
      }, more || {}) });
  }

  function draw() {
    chart("rollup-money", [
      { label: d.words.budget_m, data: d.budget, backgroundColor: "#123d6a" },
      { label: d.words.disbursed_m, data: d.disbursed, backgroundColor: "#1e9e4a" }
    ], { scales: { x: { beginAtZero: true } } });
    chart("rollup-pct", [
      { label: d.words.disbursed_pct, data: d.disbursement_pct, backgroundColor: "#1e9e4a" },
      { label: d.words.physical, data: d.physical_pct, backgroundColor: "#8e44ad" },
      { label: d.words.mean_achievement, data: d.achievement_pct, backgroundColor: "#e3a008" }
    ], { scales: { x: { beginAtZero: true, suggestedMax: 100 } } });
  }

  if (document.fonts && document.fonts.load) {
    document.fonts.load("16px Sarabun", "ก").then(draw, draw);
  } else {
    draw();
  }
})();
