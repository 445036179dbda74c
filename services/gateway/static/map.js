// The tile-grid map: one square per province (static/thailand-tiles.json, joined with the
// reference data on the server), coloured by its status for the chosen indicator and period,
// with a thick line wherever a tile meets another cluster's - drawn as SVG, no map tiles.
(function () {
  var data = document.getElementById("map-data");
  var box = document.getElementById("tile-map");
  if (!data || !box) { return; }
  var map = JSON.parse(data.textContent);
  var size = 46, gap = 2, ns = "http://www.w3.org/2000/svg";
  var fill = { green: "#1e9e4a", amber: "#e3a008", red: "#d4313b", grey: "#c9d1da" };
  var at = {}, cols = 0, rows = 0;
  map.tiles.forEach(function (t) {
    at[t.x + "," + t.y] = t;
    cols = Math.max(cols, t.x + 1); rows = Math.max(rows, t.y + 1);
  });
  var svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + (cols * size) + " " + (rows * size));
  svg.setAttribute("width", cols * size);
  svg.setAttribute("height", rows * size);

  function add(parent, name, attrs, text) {
    var el = document.createElementNS(ns, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text) { el.textContent = text; }
    parent.appendChild(el);
    return el;
  }

  function short(name, n) {  // the first n letters as a reader sees them (Thai marks kept)
    if (!window.Intl || !Intl.Segmenter) { return name.slice(0, n); }
    var parts = Array.from(new Intl.Segmenter().segment(name), function (s) { return s.segment; });
    return parts.length > n ? parts.slice(0, n).join("") + "…" : name;
  }

  map.tiles.forEach(function (t) {
    var g = add(svg, "g", { "class": "tile" + (t.in_plan ? " in-plan" : ""), "data-province": t.code,
                            "data-light": t.light });
    add(g, "title", {}, t.name + " (" + t.cluster_name + "): " + t.status + " · " + t.value);
    add(g, "rect", { x: t.x * size + gap, y: t.y * size + gap, width: size - 2 * gap,
                     height: size - 2 * gap, rx: 3, fill: fill[t.light] || fill.grey });
    add(g, "text", { x: t.x * size + size / 2, y: t.y * size + size / 2 + 4, "text-anchor": "middle",
                     "font-size": 8 }, short(t.name, 6));
  });
  // cluster outlines: an edge of a tile whose neighbour is missing or of another cluster
  map.tiles.forEach(function (t) {
    [[0, -1, 0, 0, 1, 0], [1, 0, 1, 0, 1, 1], [0, 1, 0, 1, 1, 1], [-1, 0, 0, 0, 0, 1]].forEach(function (e) {
      var other = at[(t.x + e[0]) + "," + (t.y + e[1])];
      if (other && other.cluster === t.cluster) { return; }
      add(svg, "line", { x1: (t.x + e[2]) * size, y1: (t.y + e[3]) * size, x2: (t.x + e[4]) * size,
                         y2: (t.y + e[5]) * size, stroke: t.cluster === map.plan_cluster ? "#123d6a" : "#5b6775",
                         "stroke-width": t.cluster === map.plan_cluster ? 3 : 1.5, "class": "cluster-edge" });
    });
  });
  box.appendChild(svg);
})();
