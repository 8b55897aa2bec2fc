// Colours the us-atlas counties by a measure from data/map.json (lists naming them, detainers, declined detainers,
// or 287(g) agreements in force on a chosen sheet date); each county links to its profile. A county whose value
// is null is "not covered" (grey, hatched in the legend): unknown, never drawn as zero.
(function () {
  const el = document.getElementById("map");
  if (!el || !window.d3 || !window.topojson) return;
  const root = el.dataset.root;
  const colours = ["#eef2f7", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const NOT_COVERED = "#bdbdbd";
  const dateSelect = document.getElementById("sheet-date");
  function sheetIndex() { return dateSelect && dateSelect.value !== "" ? Number(dateSelect.value) : -1; }
  function sheetLabel() {
    const opt = dateSelect && dateSelect.options[dateSelect.selectedIndex];
    return opt ? opt.dataset.date || opt.textContent : "";
  }
  // Each measure: the county's value (null = not covered), how to bin it into the five colours, and labels.
  const measures = {
    lists: { value: (m) => m.lists, cuts: [1, 2, 3, 4], labels: ["on no list", "1 list", "2 lists", "3 lists", "4+ lists"],
             what: "list(s)" },
    detainers: { value: (m) => m.detainers, cuts: [1, 10, 100, 1000],
                 labels: ["no detainers", "1–9", "10–99", "100–999", "1,000+"], what: "detainers" },
    declined: { value: (m) => m.declined, cuts: [1, 5, 50, 500],
                labels: ["none declined", "1–4", "5–49", "50–499", "500+"], what: "declined" },
    agreements_287g: { value: (m) => (m.agreements_287g ? m.agreements_287g[sheetIndex()] : null),
                       cuts: [1, 2, 4, 10], labels: ["no agreement", "1", "2–3", "4–9", "10+"],
                       what: "287(g) agreements in force" },
  };
  function binOf(v, cuts) { let i = 0; while (i < cuts.length && v >= cuts[i]) i++; return i; }
  function valueOf(measure, m) { const v = m ? measure.value(m) : null; return v === undefined ? null : v; }
  function fmt(v) { return v === null ? "not covered" : v.toLocaleString("en-US"); }

  Promise.all([fetch(el.dataset.atlas).then((r) => r.json()), fetch(el.dataset.measures).then((r) => r.json())])
    .then(([atlas, data]) => {
      const values = data.counties || {};
      const info = data.measures || {};
      el.querySelectorAll(".noscript-note").forEach((n) => n.remove());
      const path = d3.geoPath();
      const svg = d3.select(el).append("svg").attr("viewBox", "0 0 975 610").attr("role", "img");
      const counties = topojson.feature(atlas, atlas.objects.counties).features;
      const shapes = svg.append("g").selectAll("a").data(counties).join("a")
        .attr("href", (d) => root + "jurisdictions/" + d.id + "/")
        .append("path").attr("class", "county").attr("d", path);
      const titles = shapes.append("title");
      svg.append("path").attr("class", "states")
        .attr("d", path(topojson.mesh(atlas, atlas.objects.states, (a, b) => a !== b)));
      const legend = d3.select("#legend");
      const picker = document.getElementById("measure");

      function paint() {
        const name = picker ? picker.value : "lists";
        const measure = measures[name];
        const meta = info[name] || {};
        shapes.attr("fill", (d) => {
          const v = valueOf(measure, values[d.id]);
          return v === null ? NOT_COVERED : colours[binOf(v, measure.cuts)];
        }).attr("data-value", (d) => { const v = valueOf(measure, values[d.id]); return v === null ? "" : v; });
        titles.text((d) => d.properties.name + ": " + fmt(valueOf(measure, values[d.id])) + " " + measure.what +
          (name === "agreements_287g" ? " (sheet of " + sheetLabel() + ")" : ""));
        svg.attr("aria-label", "Map of US counties coloured by " + measure.what +
          (name === "agreements_287g" ? " on ICE's sheet of " + sheetLabel() : ""));
        legend.selectAll("*").remove();
        colours.forEach((c, i) => {
          const span = legend.append("span");
          span.append("i").style("background", c);
          span.node().append(measure.labels[i]);
        });
        const unknown = meta.status === "not_loaded" || counties.some((d) => valueOf(measure, values[d.id]) === null);
        const grey = unknown ? legend.append("span").attr("class", "not-covered") : null;
        if (grey) grey.append("i").style("background", NOT_COVERED);
        if (grey) grey.node().append(meta.status === "not_loaded" ? "not loaded (unknown, not zero)" : "not covered (unknown, not zero)");
        if (name === "agreements_287g") {
          legend.append("p").attr("class", "muted legend-note")
            .text("Sheet of " + sheetLabel() + ". State agencies are not on the map; a city's agreement counts for its county.");
        } else if (meta.note && name !== "lists") {
          legend.append("p").attr("class", "muted legend-note").text(meta.note);
        }
        if (meta.caveat) legend.append("p").attr("class", "muted legend-note").text("Caveat: " + meta.caveat);
        el.dataset.painted = name + (name === "agreements_287g" ? "@" + sheetLabel() : "");
      }
      if (picker) picker.addEventListener("change", paint);
      if (dateSelect) dateSelect.addEventListener("change", () => {
        if (picker && !picker.querySelector('option[value="agreements_287g"]').disabled) picker.value = "agreements_287g";
        paint();
      });
      paint();
    })
    .catch((err) => {
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = "The map could not load: " + err;
      el.appendChild(p);
    });
})();
