// Renders the Vega-Lite spec the server embedded in the page (detainers per month, total and declined).
(function () {
  const spec = document.getElementById("detainer-spec");
  const target = document.getElementById("detainer-chart");
  if (!spec || !target || !window.vegaEmbed) return;
  vegaEmbed(target, JSON.parse(spec.textContent), { actions: false, renderer: "svg" })
    .catch((err) => { target.textContent = "The chart could not render: " + err; });
})();
