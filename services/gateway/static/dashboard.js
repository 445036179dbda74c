// The session's CSRF token (layout.html's meta): every script POST sends it as X-CSRF-Token.
function csrfToken() {
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Light JavaScript: the trend chart (Chart.js, served locally) from the JSON the page carries.
(function () {
  var data = document.getElementById("trend-data");
  var canvas = document.getElementById("trend");
  if (!data || !canvas || !window.Chart) { return; }
  var trend = JSON.parse(data.textContent);
  new window.Chart(canvas, {
    type: "line",
    data: { labels: trend.labels, datasets: [
      { label: trend.value_label, data: trend.values, borderColor: "#123d6a", spanGaps: true },
      { label: trend.target_label, data: trend.targets, borderColor: "#e3a008", borderDash: [6, 4], spanGaps: true }
    ] },
    options: { animation: false, maintainAspectRatio: false, font: { family: "Sarabun" } }
  });
})();
