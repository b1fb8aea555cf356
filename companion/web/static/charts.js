/* The client page's check-in charts, drawn with the vendored Chart.js (static/vendor/chart.js).
 *
 * Progressive: the page already shows the same numbers as tables. This script reads them from
 * the JSON in <script type="application/json" id="checkin-chart-data"> (written by the server,
 * words already in the staff member's language), puts a canvas in each empty
 * <div data-chart="..."> and folds the tables away into their <details>. Without JavaScript, or
 * if Chart.js did not load, nothing changes. No inline script: the data tag is not executed.
 */
(function () {
  "use strict";

  var source = document.getElementById("checkin-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }

  var lang = document.documentElement.lang || "en";
  // Colours that stay apart for most colour-blind readers (Okabe and Ito), with a shape each.
  var COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
  var SHAPES = ["circle", "triangle", "rect", "rectRot", "star", "crossRot", "rectRounded"];
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: data.zone }, options));
    } catch (error) {
      return new Intl.DateTimeFormat(lang, options); // an unknown zone: the browser's own
    }
  }
  var day = formatter({ month: "short", day: "numeric" });
  var moment = formatter({
    weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
  });

  /* A canvas in the holder, described for screen readers; the table stays one click away. */
  function place(name) {
    var holder = document.querySelector('[data-chart="' + name + '"]');
    if (!holder) {
      return null;
    }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", holder.getAttribute("data-label") || "");
    holder.appendChild(canvas);
    holder.hidden = false;
    var section = holder.parentNode;
    var next = holder.nextElementSibling;
    while (next && next.tagName !== "DETAILS") {
      next = next.nextElementSibling;
    }
    if (next && section.contains(next)) {
      next.open = false;
    }
    return canvas;
  }

  function datasets(series, line) {
    return series.map(function (entry, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: entry.label,
        data: entry.points,
        borderColor: colour,
        backgroundColor: colour,
        pointStyle: SHAPES[index % SHAPES.length],
        pointRadius: 5,
        pointHoverRadius: 7,
        showLine: line,
        spanGaps: true,
        tension: 0
      };
    });
  }

  /* Time runs left to right in proportion; a tick and a grid line at the start of each week. */
  function timeAxis() {
    return {
      type: "linear",
      min: data.since,
      max: data.until,
      afterBuildTicks: function (axis) {
        axis.ticks = data.weeks.map(function (week) { return { value: week.start }; });
      },
      ticks: {
        autoSkip: true,
        maxRotation: 0,
        callback: function (value) { return day.format(new Date(value)); }
      }
    };
  }

  function common(title, yAxis, label) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: still ? false : undefined,
      scales: { x: timeAxis(), y: yAxis },
      plugins: {
        title: { display: true, text: title },
        tooltip: {
          callbacks: {
            title: function (items) {
              return items.length ? moment.format(new Date(items[0].parsed.x)) : "";
            },
            label: label
          }
        }
      }
    };
  }

  var ratings = data.ratings.length ? place("ratings") : null;
  if (ratings) {
    new window.Chart(ratings, {
      type: "line",
      data: { datasets: datasets(data.ratings, true) },
      options: common(
        data.words.ratings,
        { min: 0, max: 10, ticks: { stepSize: 1 } },
        function (item) { return item.dataset.label + ": " + item.parsed.y; }
      )
    });
  }

  function yesNo(value) {
    return value === 1 ? data.words.yes : value === 0 ? data.words.no : "";
  }
  var answers = data.yesNo.length ? place("yes-no") : null;
  if (answers) {
    new window.Chart(answers, {
      type: "scatter",
      data: { datasets: datasets(data.yesNo, false) },
      options: common(
        data.words.yesNo,
        {
          min: -0.5,
          max: 1.5,
          afterBuildTicks: function (axis) { axis.ticks = [{ value: 0 }, { value: 1 }]; },
          ticks: { callback: yesNo }
        },
        function (item) { return item.dataset.label + ": " + yesNo(item.parsed.y); }
      )
    });
  }

  var adherence = place("adherence");
  if (adherence) {
    new window.Chart(adherence, {
      type: "bar",
      data: {
        labels: data.weeks.map(function (week) { return week.label; }),
        datasets: [{
          label: data.words.adherence,
          data: data.weeks.map(function (week) { return week.percent; }),
          backgroundColor: COLOURS[0]
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        scales: {
          y: { min: 0, max: 100, ticks: { callback: function (value) { return value + "%"; } } }
        },
        plugins: {
          legend: { display: false },
          title: { display: true, text: data.words.adherence },
          tooltip: {
            callbacks: {
              label: function (item) {
                var week = data.weeks[item.dataIndex];
                return (week.percent === null ? "" : week.percent + "% · ") + week.note;
              }
            }
          }
        }
      }
    });
  }
})();
