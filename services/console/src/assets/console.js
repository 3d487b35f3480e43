// Draws the charts of a page from the figures the server put on each <canvas data-series>. Every chart also has its
// table (<details>), so nothing depends on this script. Runs on load and after every htmx swap (hx-boost).
(function () {
  'use strict';
  var percent = function (value) { return value === null ? '—' : (value * 100).toFixed(1) + '%'; };
  function draw(root) {
    if (typeof Chart === 'undefined') return;
    var canvases = root.querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      if (canvas.dataset.drawn) continue;
      canvas.dataset.drawn = 'true';
      var series = JSON.parse(canvas.dataset.series || '[]');
      if (canvas.dataset.chart === 'line') {
        new Chart(canvas, {
          type: 'line',
          data: {
            labels: series.map(function (point) { return point.period; }),
            datasets: [{ label: canvas.dataset.label, data: series.map(function (point) { return point.rate === null ? null : point.rate; }), borderColor: '#0b57a4', backgroundColor: '#0b57a4', spanGaps: true, tension: 0.2 }],
          },
          options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (item) { return percent(item.raw); } } } }, scales: { y: { min: 0, max: 1, ticks: { callback: function (v) { return Math.round(v * 100) + '%'; } } } } },
        });
      } else {
        new Chart(canvas, {
          type: 'bar',
          data: { labels: series.map(function (_, index) { return index * 10 + '–' + (index * 10 + 10) + '%'; }), datasets: [{ label: canvas.dataset.label, data: series, backgroundColor: '#a3161a' }] },
          options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        });
      }
    }
  }
  document.addEventListener('DOMContentLoaded', function () { draw(document); });
  document.addEventListener('htmx:load', function (event) { draw(event.target); });
})();
