// Colours the us-atlas counties by the number of lists naming them; each county links to its profile.
(function () {
  const el = document.getElementById("map");
  if (!el || !window.d3 || !window.topojson) return;
  const root = el.dataset.root;
  const colours = ["#eef2f7", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const labels = ["on no list", "1 list", "2 lists", "3 lists", "4+ lists"];
  Promise.all([fetch(el.dataset.atlas).then((r) => r.json()), fetch(el.dataset.measures).then((r) => r.json())])
    .then(([atlas, measures]) => {
      el.querySelectorAll(".noscript-note").forEach((n) => n.remove());
      const path = d3.geoPath();
      const svg = d3.select(el).append("svg").attr("viewBox", "0 0 975 610")
        .attr("role", "img").attr("aria-label", "Map of US counties coloured by the number of sanctuary lists naming them");
      const counties = topojson.feature(atlas, atlas.objects.counties).features;
      svg.append("g").selectAll("a").data(counties).join("a")
        .attr("href", (d) => root + "jurisdictions/" + d.id + "/")
        .append("path").attr("class", "county").attr("d", path)
        .attr("fill", (d) => colours[Math.min((measures[d.id] || {}).lists || 0, 4)])
        .append("title").text((d) => {
          const m = measures[d.id] || {};
          return d.properties.name + ": " + (m.lists || 0) + " list(s), " + (m.detainers || 0) + " detainers";
        });
      svg.append("path").attr("class", "states")
        .attr("d", path(topojson.mesh(atlas, atlas.objects.states, (a, b) => a !== b)));
      const legend = d3.select("#legend");
      colours.forEach((c, i) => legend.append("span").html('<i style="background:' + c + '"></i>' + labels[i]));
    })
    .catch((err) => { el.insertAdjacentHTML("beforeend", "<p class='error'>The map could not load: " + err + "</p>"); });
})();
