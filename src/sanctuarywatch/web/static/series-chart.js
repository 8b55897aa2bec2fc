// Renders the national 287(g) chart from the Vega-Lite spec the server embedded in the home page (agreements
// listed per ICE sheet, stacked by support type). The table beside it holds the same figures without script.
(function () {
  const spec = document.getElementById("agreements-spec");
  const target = document.getElementById("agreements-chart");
  if (!spec || !target || !window.vegaEmbed) return;
  vegaEmbed(target, JSON.parse(spec.textContent), { actions: false, renderer: "svg" })
    .catch((err) => { target.textContent = "The chart could not render: " + err; });
})();
