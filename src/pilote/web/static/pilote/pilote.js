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
      if (d.expected.length) {
        datasets.push({
          label: labels.expected || "Expected",
          data: d.expected.map(function (p) { return { x: t(p.x), y: p.y }; }),
          borderColor: "#868e96", borderDash: [6, 4], pointRadius: 0
        });
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
            x: { type: "linear", min: t(d.start), max: t(d.end), ticks: { callback: function (v) { return dateFmt.format(new Date(v)); }, maxTicksLimit: 7 } },
            y: { ticks: { callback: function (v) { return numFmt.format(v); } } }
          },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } },
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
    });
  }

  // A list filtered as one types (the alignment picker): rows whose data-filter-text does
  // not hold every word typed are hidden.
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.dataset || !input.dataset.filterList) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var list = document.getElementById(input.dataset.filterList);
    if (!list) return;
    list.querySelectorAll("[data-filter-text]").forEach(function (row) {
      var text = row.dataset.filterText;
      // not the hidden attribute: the rows are flex boxes, and Bootstrap's d-flex is !important
      if (words.every(function (w) { return text.indexOf(w) >= 0; })) row.style.removeProperty("display");
      else row.style.setProperty("display", "none", "important");
    });
  });

  function init(root) {
    drawCharts(root); wirePrint(root); wireBoard(root); wireAutosubmit(root); wireSourceForms(root); wireKindForms(root);
  }

  // The strategy tree: each node's button opens or closes its panel; a panel not loaded yet
  // loads when first opened (its loader listens for "node-open", see _node.html).
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
