// Search on the static copy of the site: every Census state, county and place is in data/index.json. A place
// without a page of its own links to the county (or counties) it lies in; a CDP is labelled as one.
(function () {
  const box = document.getElementById("static-search");
  if (!box) return;
  const root = box.dataset.root;
  const LEVEL_ORDER = { state: 0, county: 1, place: 2 };
  // The Census prints the kind after a place's name ("Lost Springs town", "Brentwood CDP"): an exact match
  // of the name without it ranks first.
  const SUFFIX = / (cdp|city|town|village|borough|municipality|comunidad|zona urbana|city and borough)$/;
  function norm(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9 ]/g, " ").replace(/\s+/g, " ").trim();
  }
  const raw = new URLSearchParams(location.search).get("q") || "";
  const q = norm(raw);
  const input = document.getElementById("q");
  if (input && !input.value) input.value = raw;
  function link(href, text) {
    const a = document.createElement("a");
    a.href = root + href;
    a.textContent = text;
    return a;
  }
  function show(hits, total) {
    box.replaceChildren();
    const p = document.createElement("p");
    p.textContent = total + " match(es) for “" + raw + "”" + (total > hits.length ? " (first " + hits.length + " shown)." : ".");
    box.appendChild(p);
    const ul = document.createElement("ul");
    ul.className = "candidates";
    hits.forEach((j) => {
      const li = document.createElement("li");
      const label = j.name + ", " + j.state;
      li.appendChild(j.href && !j.via ? link(j.href, label) : document.createTextNode(label));
      li.append(" (" + j.kind + (j.pop ? ", population " + j.pop.toLocaleString("en-US") : "") + ")");
      if (j.via) {
        if (j.via.length) {
          li.append(" — no page of its own; see ");
          j.via.forEach((c, i) => { if (i) li.append(", "); li.appendChild(link("jurisdictions/" + c.geoid + "/", c.name)); });
        } else {
          li.append(" — no page of its own");
        }
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  if (!q) { box.replaceChildren(); const p = document.createElement("p"); p.textContent = "Type a name to search."; box.appendChild(p); return; }
  // data/index.json is compact: {columns, kinds, rows}; a row is [geoid, name, state, level, kind, population,
  // own_page (1/0), counties to link when it has no page].
  function decode(data) {
    const names = {};
    data.rows.forEach((r) => { names[r[0]] = r[1]; });
    return data.rows.map((r) => ({
      geoid: r[0], name: r[1], state: r[2], level: r[3], kind: data.kinds[r[4]], pop: r[5],
      href: r[6] ? "jurisdictions/" + r[0] + "/" : null,
      via: r[6] ? null : r[7].map((g) => ({ geoid: g, name: names[g] || g })),
    }));
  }
  fetch(box.dataset.index).then((r) => r.json()).then(decode).then((index) => {
    const words = q.split(" ");
    const scored = [];
    index.forEach((j) => {
      const name = norm(j.name);
      // every typed word starts a word of the name, state or kind ("ny" is New York, not "Colony")
      const tokens = (name + " " + j.state.toLowerCase() + " " + norm(j.kind)).split(" ");
      if (!words.every((w) => tokens.some((t) => t.startsWith(w)))) return;
      const base = name.replace(SUFFIX, "");
      const exact = q === name || q === base || q.startsWith(base + " ") ? 0 : 1;
      scored.push([exact, LEVEL_ORDER[j.level] ?? 3, -(j.pop || 0), j]);
    });
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    show(scored.slice(0, 50).map((s) => s[3]), scored.length);
  }).catch((err) => { box.textContent = "The search index could not load: " + err; });
})();
