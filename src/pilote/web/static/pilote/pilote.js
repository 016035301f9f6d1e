/* Pilote's page behaviour. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";

  var charts = new WeakMap();

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    var lang = document.body.dataset.lang || "fr";
    var dateFmt = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
    var numFmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (charts.has(canvas)) return;
      // The data is on the canvas itself: htmx drops JSON script tags from swapped content,
      // which left every chart blank after a live update.
      var d = JSON.parse(canvas.dataset.chart);
      var t = function (iso) { return new Date(iso + "T00:00:00").getTime(); };
      var labels = d.labels || {};  // translated by the server
      var datasets = [{
        label: labels.value || "Value",
        data: d.values.map(function (p) { return { x: t(p.x), y: p.y }; }),
        borderColor: cssVar("--bs-primary") || "#0d6efd", backgroundColor: "transparent", pointRadius: 3,
        tension: 0.2, stepped: d.kind === "boolean" || d.kind === "milestone" ? "before" : false
      }];
      if (d.earlier && d.earlier.length) {  // the cycles it continues (carry-over)
        datasets.push({
          label: labels.earlier || "Earlier cycles",
          data: d.earlier.map(function (p) { return { x: t(p.x), y: p.y }; }),
          borderColor: "#adb5bd", backgroundColor: "transparent", pointRadius: 2, tension: 0.2
        });
      }
      if (d.expected.length) {
        datasets.push({
          label: labels.expected || "Expected",
          data: d.expected.map(function (p) { return { x: t(p.x), y: p.y }; }),
          borderColor: "#868e96", borderDash: [6, 4], pointRadius: 0
        });
      }
      if (d.forecast) {  // the projection and its 90 % interval, a cone from the latest value
        var f = d.forecast, from = { x: t(f.from.x), y: f.from.y };
        var edge = function (label, y, extra) {
          var set = { label: label, data: [from, { x: t(f.to), y: y }], pointRadius: 0,
                      borderColor: cssVar("--bs-primary") || "#0d6efd", borderWidth: 1 };
          Object.keys(extra).forEach(function (k) { set[k] = extra[k]; });
          datasets.push(set);
        };
        edge(labels.forecast || "Forecast", f.projected, { borderDash: [2, 3], borderWidth: 2 });
        edge(labels.interval || "Forecast range", f.high, { borderWidth: 0 });
        edge(labels.interval || "Forecast range", f.low,
             { borderWidth: 0, fill: "-1", backgroundColor: "rgba(13, 110, 253, 0.12)", legend: false });
      }
      var bound = function (label, value, color) {
        datasets.push({ label: label, data: [{ x: t(d.start), y: value }, { x: t(d.end), y: value }],
                        borderColor: color, borderWidth: 1, pointRadius: 0 });
      };
      if (d.target !== null && d.target !== undefined) bound(labels.target || "Target", d.target, cssVar("--pilote-on") || "green");
      if (d.min !== null && d.min !== undefined) bound(labels.min || "min", d.min, cssVar("--pilote-risk") || "orange");
      if (d.max !== null && d.max !== undefined) bound(labels.max || "max", d.max, cssVar("--pilote-risk") || "orange");
      charts.set(canvas, new Chart(canvas, {
        type: "line",
        data: { datasets: datasets },
        options: {
          animation: false, maintainAspectRatio: false, parsing: false,
          scales: {
            x: { type: "linear", min: t(d.earlier_start || d.start), max: t(d.end), ticks: { callback: function (v) { return dateFmt.format(new Date(v)); }, maxTicksLimit: 7 } },
            y: { ticks: { callback: function (v) { return numFmt.format(v); } } }
          },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12, filter: function (item, data) { return data.datasets[item.datasetIndex].legend !== false; } } },
                     tooltip: { callbacks: { title: function (items) { return dateFmt.format(new Date(items[0].parsed.x)); },
                                             label: function (item) { return item.dataset.label + " : " + numFmt.format(item.parsed.y); } } } }
        }
      }));
    });
  }

  function wirePrint(root) {
    root.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  // Roadmap board: drag a card onto another column to move it. The drop submits the card's own
  // "Move to" form, the same one the keyboard uses, so both paths share one server action.
  function wireBoard(root) {
    root.querySelectorAll(".ini-card[draggable=true]").forEach(function (card) {
      card.addEventListener("dragstart", function (e) {
        e.dataTransfer.setData("text/plain", card.dataset.initiative);
        e.dataTransfer.effectAllowed = "move";
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", function () { card.classList.remove("dragging"); });
    });
    root.querySelectorAll(".board-col[data-horizon]").forEach(function (col) {
      col.addEventListener("dragover", function (e) { e.preventDefault(); col.classList.add("drop-target"); });
      col.addEventListener("dragleave", function () { col.classList.remove("drop-target"); });
      col.addEventListener("drop", function (e) {
        e.preventDefault();
        col.classList.remove("drop-target");
        var card = document.getElementById("ini-" + e.dataTransfer.getData("text/plain"));
        var form = card && card.querySelector("form.move-form");
        if (!form) return;
        form.querySelector("select[name=horizon]").value = col.dataset.horizon;
        form.submit();
      });
    });
  }

  // A menu that applies on choice (the language): no button to press after choosing.
  function wireAutosubmit(root) {
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // A data source's form shows the settings of the kind chosen only (all of them without
  // JavaScript, each under its legend).
  function wireSourceForms(root) {
    root.querySelectorAll("form[data-source-form]").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      if (!kind) return;
      function show() {
        form.querySelectorAll("fieldset[data-kind]").forEach(function (set) {
          set.hidden = set.dataset.kind !== kind.value;
        });
      }
      kind.addEventListener("change", show);
      show();
    });
  }

  // The KR form states what it defines in a sentence as one types: "Increase from 4.1 to
  // 4.8 ★" (the words come from the page, in its language: pilote.words.kr_sentences).
  function wireKrSentence(form, kind) {
    var out = form.querySelector("[data-kr-sentence]");
    if (!out) return;
    var words = JSON.parse(out.dataset.sentences);
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
    function read(name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input || input.value.trim() === "") return null;
      var n = Number(input.value.trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", "."));
      return isFinite(n) ? n : null;
    }
    function fill(text, values) {
      return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
    }
    function update() {
      var k = kind.value, b = read("baseline"), t = read("target"), lo = read("min"), hi = read("max");
      var unitInput = form.querySelector("[name=unit_label]") || form.querySelector("[name=unit]");
      var unit = unitInput && unitInput.value.trim() ? "\u00a0" + unitInput.value.trim() : "";
      var list = form.querySelector("[name=milestones]");
      var n = list ? list.value.split("\n").filter(function (l) { return l.trim(); }).length : 0;
      var v = { baseline: b === null ? "" : format.format(b), target: t === null ? "" : format.format(t),
                min: lo === null ? "" : format.format(lo), max: hi === null ? "" : format.format(hi), unit: unit, n: n };
      var text = "";
      if (k === "increase" || k === "decrease") {
        if (b !== null && t !== null) text = (k === "increase" ? t <= b : t >= b) ? words[k + "_wrong_way"] : fill(words[k], v);
      } else if (k === "maintain") {
        if (lo !== null && hi !== null) text = fill(words.maintain, v);
        else if (lo !== null || hi !== null) text = fill(words[lo !== null ? "maintain_min" : "maintain_max"], v);
      } else if (k === "milestone") { if (n) text = fill(words.milestone, v); }
      else if (k === "boolean") text = words.boolean;
      out.textContent = text;
      out.hidden = !text;
      out.classList.toggle("alert-warning", text === words.increase_wrong_way || text === words.decrease_wrong_way);
      out.classList.toggle("alert-light", !out.classList.contains("alert-warning"));
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  // After a move from the keyboard the board comes back with #ini-<key>: focus that card's
  // menu (the browser only scrolls to it).
  function refocusMovedCard() {
    var match = /^#ini-([\w-]+)$/.exec(window.location.hash);
    var select = match && document.getElementById("mv-" + match[1]);
    if (select) select.focus();
  }
  window.addEventListener("load", refocusMovedCard);  // after the browser scrolled to the card

  // A key result's form shows the fields its kind uses (data-kinds on each field's block):
  // baseline and target for a metric, bounds to maintain, the list of milestones.
  function wireKindForms(root) {
    root.querySelectorAll("form[data-kind-form]").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      if (!kind) return;
      function show() {
        form.querySelectorAll("[data-kinds]").forEach(function (block) {
          block.hidden = block.dataset.kinds.split(" ").indexOf(kind.value) < 0;
        });
      }
      kind.addEventListener("change", show);
      show();
      wireKrSentence(form, kind);
    });
  }

  // The alignment picker: a candidate ticked joins the chosen list (the next search replaces
  // the candidates, never what was chosen); Enter in its search does not send the form.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("input[type=checkbox]")) return;
    var results = box.closest("[data-move-checked]");
    if (!results || !box.checked) return;
    var chosen = document.getElementById(results.dataset.moveChecked);
    if (chosen) { chosen.appendChild(box.closest("li")); box.focus(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.id === "align-filter") e.preventDefault();
  });
  // An answer that left while a candidate was being ticked may offer it again: not twice.
  document.addEventListener("htmx:afterSwap", function (e) {
    var results = e.target.closest && e.target.closest("[data-move-checked]");
    if (!results) return;
    var chosen = document.getElementById(results.dataset.moveChecked);
    if (!chosen) return;
    results.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (chosen.querySelector('input[type=checkbox][value="' + CSS.escape(box.value) + '"]')) box.closest("li").remove();
    });
  });

  function init(root) {
    drawCharts(root); wirePrint(root); wireBoard(root); wireAutosubmit(root); wireSourceForms(root); wireKindForms(root);
  }

  // The strategy tree: each node's button opens or closes its panel; a panel not loaded yet
  // loads when first opened (its loader listens for "node-open", see pilote/web/tree_html.py).
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".node-toggle");
    if (!button) return;
    var panel = button.closest("li").querySelector(":scope > .node-panel");
    if (!panel) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    var loader = panel.querySelector(":scope > [data-node-loader]");
    if (open && loader && window.htmx) htmx.trigger(loader, "node-open");
  });

  // Review meetings: the keyboard pages through the objectives (the links work without it).
  // The next objective replaces the review in place (fetched, then swapped), so a review
  // shown full screen (F, or the button) stays full screen from one objective to the next.
  function reviewGo(url) {
    var review = document.querySelector("[data-review]");
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-review]");
      if (!fresh) { window.location.href = url; return; }
      ["previous", "next", "first", "last"].forEach(function (k) {
        if (fresh.dataset[k]) review.dataset[k] = fresh.dataset[k]; else delete review.dataset[k];
      });
      review.innerHTML = fresh.innerHTML;
      document.title = doc.title;
      history.pushState({}, "", url);
      init(review);
      var title = review.querySelector(".slide-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: true }); }
    }).catch(function () { window.location.href = url; });
  }

  document.addEventListener("keydown", function (e) {
    var review = document.querySelector("[data-review]");
    if (!review || e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    var go = { ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous",
               Home: "first", End: "last" }[e.key];
    if (go && review.dataset[go]) { e.preventDefault(); reviewGo(review.dataset[go]); }
    if (e.key === "f" || e.key === "F") { e.preventDefault(); toggleFullscreen(review); }
  });

  function toggleFullscreen(el) {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (el && el.requestFullscreen) el.requestFullscreen().catch(function () {});
  }

  // A mention: the person picked (their e-mail, searched as one types) goes into the
  // comment as "@email " where the cursor is.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-mention-insert]");
    if (!b) return;
    var input = document.getElementById(b.dataset.mentionInsert);
    var area = document.getElementById(b.dataset.mentionInto);
    var email = input && input.value.trim();
    if (!email || !area) return;
    var at = area.selectionStart != null ? area.selectionStart : area.value.length;
    var before = area.value.slice(0, at), after = area.value.slice(at);
    var text = (before && !/\s$/.test(before) ? " " : "") + "@" + email + " ";
    area.value = before + text + after;
    input.value = "";
    area.focus();
    area.selectionStart = area.selectionEnd = (before + text).length;
  });

  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    if (e.target.closest("[data-fullscreen]")) toggleFullscreen(e.target.closest("[data-review]"));
    var link = e.target.closest("[data-review] a[rel=next], [data-review] a[rel=prev]");
    if (link && !e.ctrlKey && !e.metaKey && !e.shiftKey) { e.preventDefault(); reviewGo(link.href); }
  });
  window.addEventListener("popstate", function () {
    if (document.querySelector("[data-review]")) window.location.reload();
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // On a phone the tab bar scrolls sideways: keep the current tab in view.
    var active = document.querySelector(".nav-tabs .nav-link.active");
    if (active && active.scrollIntoView) active.scrollIntoView({ block: "nearest", inline: "center" });
    if (window.htmx) {
      htmx.onLoad(function (el) { init(el); });
      // After a check-in, put the focus back in the row's value field for the next one.
      document.body.addEventListener("htmx:afterSwap", function (e) {
        var input = e.detail.target && document.querySelector("#" + e.detail.target.id + " input[name$='-value']");
        if (input && e.detail.requestConfig && e.detail.requestConfig.verb === "post") input.focus();
      });
    }
  });
})();
