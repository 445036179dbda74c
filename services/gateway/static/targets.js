// The indicator page's charts (Chart.js, served locally) from the JSON the page carries:
// the trend per province with its target line, the provinces side by side for the period
// (bars, with the target as a mark), and the cluster against its five-year path.
(function () {
  var data = document.getElementById("targets-data");
  if (!data || !window.Chart) { return; }
  var d = JSON.parse(data.textContent);
  var colours = ["#123d6a", "#1e9e4a", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#c0392b", "#2c3e50"];
  function options(more) {  // a new object per chart: Chart.js keeps and fills in the one it gets
    return Object.assign({ animation: false, maintainAspectRatio: false }, more || {});
  }
  // canvas text is drawn in Chart.js's default font: the Thai one, once it has loaded
  window.Chart.defaults.font.family = "Sarabun, sans-serif";

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { canvas.chart = new window.Chart(canvas, config); }
  }

  function trends() {
    var sets = [];
    d.trends.forEach(function (t, i) {
      var colour = colours[i % colours.length];
      sets.push({ label: t.name, data: t.values, borderColor: colour, backgroundColor: colour, spanGaps: true });
      if (t.targets.some(function (x) { return x !== null; })) {
        sets.push({ label: t.name + " · " + d.words.target, data: t.targets, borderColor: colour,
                    borderDash: [6, 4], pointRadius: 0, spanGaps: true });
      }
    });
    return sets;
  }

  function draw() {
    chart("province-trend", { type: "line", data: { labels: d.labels, datasets: trends() }, options: options() });
    chart("province-bars", { type: "bar", data: { labels: d.bars.labels, datasets: [
      { label: d.words.value, data: d.bars.values, backgroundColor: "#123d6a" },
      { type: "line", label: d.words.target, data: d.bars.targets, showLine: false,
        pointStyle: "line", pointRadius: 18, pointBorderWidth: 3, borderColor: "#e3a008",
        backgroundColor: "#e3a008" }
    ] }, options: options({ scales: { y: { beginAtZero: true } } }) });
    chart("cluster-path", { type: "line", data: { labels: d.path.labels, datasets: [
      { label: d.words.cluster, data: d.path.values, borderColor: "#123d6a", backgroundColor: "#123d6a", spanGaps: true },
      { label: d.words.path, data: d.path.targets, borderColor: "#e3a008", borderDash: [6, 4], spanGaps: true }
    ] }, options: options() });
  }

  if (document.fonts && document.fonts.load) {
    document.fonts.load("16px Sarabun", "ก").then(draw, draw);
  } else {
    draw();
  }
})();
