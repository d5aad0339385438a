/* Dashboard charts: every <canvas data-chart="key"> is drawn with Chart.js from the
   JSON the server embeds as <script type="application/json" id="dashboard-charts">
   ({key: {type, labels, datasets: [{label, data}], horizontal}}). No inline script:
   the page works without this file (each chart has its table). */
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#6c757d"];
  var REPORT_COLOURS = ["#198754", "#ffc107", "#dc3545", "#adb5bd"];

  function numberFormat() {
    var language = document.documentElement.lang || "en";
    try {
      return new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
    } catch (error) {
      return new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
    }
  }

  function datasets(spec) {
    return spec.datasets.map(function (dataset, index) {
      var colours = spec.type === "doughnut" ? REPORT_COLOURS : PALETTE[index % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colours,
        borderColor: spec.type === "doughnut" ? "#fff" : colours,
        borderWidth: 1
      };
    });
  }

  function options(spec, format) {
    var result = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = context.parsed;
              if (typeof value === "object" && value !== null) {
                value = spec.horizontal ? value.x : value.y;
              }
              return context.dataset.label + ": " + format.format(value);
            }
          }
        }
      }
    };
    if (spec.type === "bar") {
      result.indexAxis = spec.horizontal ? "y" : "x";
      var valueAxis = spec.horizontal ? "x" : "y";
      result.scales = {};
      result.scales[valueAxis] = {
        beginAtZero: true,
        ticks: { callback: function (value) { return format.format(value); } }
      };
    }
    return result;
  }

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var specs = JSON.parse(source.textContent);
    var format = numberFormat();
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.dataset.chart];
      if (!spec || !spec.labels.length) {
        canvas.closest(".chart-box").classList.add("d-none");
        return;
      }
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets(spec) },
        options: options(spec, format)
      });
      canvas.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
