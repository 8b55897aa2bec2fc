// Search on the static copy of the site: match names in data/index.json and list links to their pages.
(function () {
  const box = document.getElementById("static-search");
  if (!box) return;
  const root = box.dataset.root;
  const q = (new URLSearchParams(location.search).get("q") || "").toLowerCase().replace(/[^a-z0-9 ]/g, " ").trim();
  fetch(box.dataset.index).then((r) => r.json()).then((index) => {
    const words = q.split(/\s+/).filter(Boolean);
    const hits = index.filter((j) => words.every((w) => (j.name + " " + j.state).toLowerCase().includes(w))).slice(0, 50);
    box.innerHTML = "<p>" + hits.length + " match(es) for “" + q + "”.</p><ul>" + hits.map((j) =>
      '<li><a href="' + root + "jurisdictions/" + j.geoid + '/">' + j.name + ", " + j.state + "</a> (" + j.level + ")</li>").join("") + "</ul>";
  });
})();
