// loadgen history glue: one uPlot chart per metric of LOADGEN_HISTORY,
// x = the runs in order, with shift markers and a click to the run's page.
"use strict";
(function () {
  const H = typeof LOADGEN_HISTORY !== "undefined" ? LOADGEN_HISTORY : { charts: [] };
  const colors = { worse: "#d62728", better: "#2ca02c", noise: "#999999", shift: "#9467bd" };
  function fmt(unit, v) {
    if (v == null) return "-";
    switch (unit) {
      case "ns":
        if (v >= 1e9) return (v / 1e9).toFixed(2) + " s";
        if (v >= 1e6) return (v / 1e6).toFixed(2) + " ms";
        return (v / 1e3).toFixed(0) + " µs";
      case "per_second": return v.toFixed(1) + "/s";
      case "ratio": return (v * 100).toFixed(2) + "%";
      case "percent": return v.toFixed(1) + "%";
      case "bytes": {
        const u = ["B", "KiB", "MiB", "GiB"]; let i = 0;
        while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
        return v.toFixed(i ? 1 : 0) + " " + u[i];
      }
    }
    return v.toFixed(0);
  }
  const charts = [];
  H.charts.forEach(function (c) {
    const el = document.getElementById(c.id);
    if (!el) return;
    const xs = c.y.map(function (_, i) { return i; });
    const markShifts = {
      hooks: { draw: [function (u) {
        const ctx = u.ctx;
        c.shifts.forEach(function (s) {
          const x = u.valToPos(s.index - 0.5, "x", true);
          ctx.save();
          ctx.strokeStyle = colors[s.class] || colors.shift;
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        });
      }] }
    };
    const u = new uPlot({
      width: Math.max(320, el.clientWidth || 900), height: 220,
      plugins: [markShifts],
      scales: {
        x: { time: false, range: function () { return [-0.5, Math.max(0.5, xs.length - 0.5)]; } },
        // A success ratio reads against 100 %, not against its own wobble.
        y: c.unit === "ratio" ? { range: function (u, min) { return [Math.max(0, Math.min(min, 0.99)), 1]; } } : { auto: true }
      },
      series: [
        { label: "run", value: function (u, i) { return i == null ? "-" : c.x[i]; } },
        { label: c.label, stroke: "#1f77b4", width: 1.5, value: function (u, v) { return fmt(c.unit, v); },
          points: { show: true, size: 7, fill: "#1f77b4" } }
      ],
      axes: [
        { values: function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) && c.x[t] != null ? c.x[t] : ""; }); } },
        { size: 80, values: function (u, ticks) { return ticks.map(function (t) { return fmt(c.unit, t); }); } }
      ],
      legend: { live: true }
    }, [xs, c.y], el);
    u.over.addEventListener("click", function () {
      const i = u.cursor.idx;
      if (i != null && c.links[i]) window.location.href = c.links[i];
    });
    u.over.style.cursor = "pointer";
    charts.push([u, el]);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (p) { p[0].setSize({ width: Math.max(320, p[1].clientWidth || 900), height: 220 }); });
  });
})();
