// Draws each dashboard chart from the json_script named by its canvas's data-chart: the same
// figures as the table beside it. Without Chart.js (or JavaScript) the tables stand alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Chart) {
    return;
  }
  const colours = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997"];
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      continue;
    }
    const spec = JSON.parse(source.textContent);
    if (spec.horizontal) {
      // One bar a row: a county of 100 schools gets a tall chart rather than unreadable bars.
      canvas.parentElement.style.height = Math.max(288, spec.labels.length * 20 + 60) + "px";
    }
    const unit = spec.unit || "";
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((dataset, index) => ({
          ...dataset,
          backgroundColor: colours[index % colours.length],
          borderColor: colours[index % colours.length],
        })),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${item.formattedValue}${unit}`,
            },
          },
        },
      },
    });
  }
});
