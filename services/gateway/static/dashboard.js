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

// The users page: a role's organisations only. Choosing a role hides the other kinds' groups
// (and "none" unless the role has no organisation); without script every group shows and the
// server refuses a wrong pair with its message.
(function () {
  var duties = document.querySelectorAll("select[data-organisation]");
  Array.prototype.forEach.call(duties, function (duty) {
    var org = document.getElementById(duty.getAttribute("data-organisation"));
    if (!org) { return; }
    function show() {
      var kind = duty.options[duty.selectedIndex].getAttribute("data-kind") || "";
      Array.prototype.forEach.call(org.querySelectorAll("optgroup"), function (group) {
        group.hidden = group.disabled = group.getAttribute("data-kind") !== kind;
      });
      var none = org.querySelector('option[value=""]');
      if (none) { none.hidden = none.disabled = kind !== ""; }
      function off(o) { return o.disabled || (o.parentNode.tagName === "OPTGROUP" && o.parentNode.disabled); }
      var chosen = org.options[org.selectedIndex];
      if (!chosen || off(chosen)) {
        var first = Array.prototype.find.call(org.options, function (o) { return !off(o); });
        if (first) { org.value = first.value; }
      }
    }
    duty.addEventListener("change", show);
    show();
  });
})();

// The approvals page opened from a mail (?province=): its row is marked; bring it into view.
(function () {
  var row = document.querySelector("#approvals tr.highlight");
  if (row && !window.location.hash) { row.scrollIntoView({ block: "center" }); }
})();
