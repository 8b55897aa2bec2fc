// Colours the us-atlas counties by the number of lists naming them; each county links to its profile.
(function () {
  const el = document.getElementById("map");
  if (!el || !window.d3 || !window.topojson) return;
  const root = el.dataset.root;
  const colours = ["#eef2f7", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  // Each measure: how to bin a county's value into the five colours, and the legend labels.
  const measures = {
    lists: { bin: (m) => Math.min(m.lists || 0, 4), labels: ["on no list", "1 list", "2 lists", "3 lists", "4+ lists"] },
    detainers: { bin: (m) => binOf(m.detainers || 0, [1, 10, 100, 1000]),
                 labels: ["no detainers", "1–9", "10–99", "100–999", "1,000+"] },
    declined: { bin: (m) => binOf(m.declined || 0, [1, 5, 50, 500]),
                labels: ["none declined", "1–4", "5–49", "50–499", "500+"] },
  };
  function binOf(v, cuts) { let i = 0; while (i < cuts.length && v >= cuts[i]) i++; return i; }
  Promise.all([fetch(el.dataset.atlas).then((r) => r.json()), fetch(el.dataset.measures).then((r) => r.json())])
    .then(([atlas, values]) => {
      el.querySelectorAll(".noscript-note").forEach((n) => n.remove());
      const path = d3.geoPath();
      const svg = d3.select(el).append("svg").attr("viewBox", "0 0 975 610")
        .attr("role", "img").attr("aria-label", "Map of US counties coloured by the number of sanctuary lists naming them");
      const counties = topojson.feature(atlas, atlas.objects.counties).features;
      const shapes = svg.append("g").selectAll("a").data(counties).join("a")
        .attr("href", (d) => root + "jurisdictions/" + d.id + "/")
        .append("path").attr("class", "county").attr("d", path);
      shapes.append("title").text((d) => {
        const m = values[d.id] || {};
        return d.properties.name + ": " + (m.lists || 0) + " list(s), " + (m.detainers || 0) + " detainers, " +
          (m.declined || 0) + " declined";
      });
      svg.append("path").attr("class", "states")
        .attr("d", path(topojson.mesh(atlas, atlas.objects.states, (a, b) => a !== b)));
      const legend = d3.select("#legend");
      function paint(name) {
        const measure = measures[name];
        shapes.attr("fill", (d) => colours[measure.bin(values[d.id] || {})]);
        legend.selectAll("span").remove();
        colours.forEach((c, i) => legend.append("span").html('<i style="background:' + c + '"></i>' + measure.labels[i]));
      }
      const picker = document.getElementById("measure");
      if (picker) { picker.hidden = false; picker.addEventListener("change", (e) => paint(e.target.value)); }
      paint(picker ? picker.value : "lists");
    })
    .catch((err) => { el.insertAdjacentHTML("beforeend", "<p class='error'>The map could not load: " + err + "</p>"); });
})();
