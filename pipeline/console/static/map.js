// The search page's world map: shapes from the vendored Natural Earth TopoJSON (world-atlas), counts from
// the server (data-counts, keyed by ISO numeric code), a click filters the search by the country.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function draw(node, topo) {
    var data = JSON.parse(node.dataset.counts || "{}");
    var counts = data.by_numeric || {}, max = data.max || 0;
    var features = topojson.feature(topo, topo.objects.countries).features;
    var width = 560, height = 290;
    var projection = d3.geoEqualEarth().fitExtent([[4, 4], [width - 4, height - 4]], { type: "Sphere" });
    var path = d3.geoPath(projection);
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "worldmap");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "world map of matching articles");
    var sphere = document.createElementNS(NS, "path");
    sphere.setAttribute("d", path({ type: "Sphere" }));
    sphere.setAttribute("class", "sphere");
    svg.appendChild(sphere);
    features.forEach(function (f) {
      var p = document.createElementNS(NS, "path");
      p.setAttribute("d", path(f) || "");
      var hit = counts[String(f.id)];
      var title = document.createElementNS(NS, "title");
      if (hit) {
        var t = max > 0 ? Math.log(1 + hit[2]) / Math.log(1 + max) : 0;
        p.setAttribute("class", "country shaded");
        p.setAttribute("data-cc", hit[0]);
        p.setAttribute("data-count", hit[2]);
        p.setAttribute("fill-opacity", String(0.25 + 0.75 * t));
        title.textContent = hit[1] + ": " + hit[2].toLocaleString() + " article" + (hit[2] === 1 ? "" : "s");
        p.addEventListener("click", function () {
          var href = node.dataset.href;
          window.location.href = href + (href.indexOf("?") >= 0 ? "&" : "?") + node.dataset.param + "=" + encodeURIComponent(hit[0]);
        });
      } else {
        p.setAttribute("class", "country");
        title.textContent = (f.properties && f.properties.name) || "";
      }
      p.appendChild(title);
      svg.appendChild(p);
    });
    node.appendChild(svg);
    node.dataset.drawn = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("map");
    if (!node || !window.d3 || !window.topojson) { return; }
    fetch(node.dataset.topo).then(function (r) { return r.json(); }).then(function (topo) { draw(node, topo); })
      .catch(function () { node.appendChild(document.createTextNode("The map could not be loaded.")); });
  });
})();
