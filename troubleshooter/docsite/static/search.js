// Client-side search over window.TROUBLESHOOTER_SEARCH (written by `troubleshooter docs build`).
// Plain JavaScript, no libraries and no requests: it works from file:// and offline.
// Results are built with textContent only, so index text can never become markup.
(function () {
  "use strict";
  var index = window.TROUBLESHOOTER_SEARCH || [];
  var input = document.getElementById("search-input");
  var out = document.getElementById("search-results");
  if (!input || !out) {
    return;
  }
  var KIND_WEIGHT = { playbook: 3, cause: 2, doc: 1, probe: 1 };

  function norm(text) {
    return String(text || "").normalize("NFKC").toLowerCase();
  }

  function terms(query) {
    return norm(query)
      .split(/[\s,.;:!?"'()\[\]{}<>，。：；！？、（）“”‘’]+/)
      .filter(function (t) { return t.length > 0; });
  }

  var prepared = index.map(function (entry) {
    var lines = entry.lines || [];
    return {
      entry: entry,
      title: norm(entry.title),
      lines: lines.map(norm),
      all: norm([entry.title, lines.join(" "), entry.text].join(" ")),
    };
  });

  function score(item, words, phrase) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      if (item.all.indexOf(w) < 0) {
        return 0; // every word must appear somewhere
      }
      total += item.title.indexOf(w) >= 0 ? 3 : 1;
    }
    if (phrase && item.all.indexOf(phrase) >= 0) {
      total += 5;
    }
    return total + (KIND_WEIGHT[item.entry.kind] || 0);
  }

  function bestLine(item, words) {
    var best = "";
    var bestHits = 0;
    item.lines.forEach(function (line, k) {
      var hits = words.filter(function (w) { return line.indexOf(w) >= 0; }).length;
      if (hits > bestHits) {
        bestHits = hits;
        best = item.entry.lines[k];
      }
    });
    return best || (item.entry.lines || [])[0] || "";
  }

  function render(query) {
    while (out.firstChild) {
      out.removeChild(out.firstChild);
    }
    var words = terms(query);
    if (words.length === 0) {
      return;
    }
    var phrase = norm(query).trim();
    var hits = prepared
      .map(function (item) { return { item: item, score: score(item, words, phrase) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score || a.item.title.localeCompare(b.item.title); })
      .slice(0, 20);
    if (hits.length === 0) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = out.getAttribute("data-empty") || "";
      out.appendChild(empty);
      return;
    }
    hits.forEach(function (hit) {
      var entry = hit.item.entry;
      var li = document.createElement("li");
      li.className = "hit hit-" + entry.kind;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = out.getAttribute("data-kind-" + entry.kind) || entry.kind;
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.title;
      var snippet = document.createElement("span");
      snippet.className = "snippet";
      snippet.textContent = bestLine(hit.item, words);
      li.appendChild(kind);
      li.appendChild(link);
      li.appendChild(snippet);
      out.appendChild(li);
    });
  }

  input.addEventListener("input", function () { render(input.value); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    render(initial);
  }
})();
