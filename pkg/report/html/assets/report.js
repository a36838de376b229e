// loadgen report glue: builds uPlot charts from the data the page template
// embeds (LOADGEN on a run report, LOADGEN_COMPARE on a comparison). All
// drawing is uPlot's; this file only configures it.
"use strict";
(function () {
  const D = typeof LOADGEN !== "undefined" ? LOADGEN : {};
  const C = typeof LOADGEN_COMPARE !== "undefined" ? LOADGEN_COMPARE : {};
  const charts = [];
  const sync = { key: "loadgen-time", setSeries: false };
  const palette = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"];

  function fmtMs(v) {
    if (v == null) return "-";
    if (v >= 1000) return (v / 1000).toFixed(2) + " s";
    if (v >= 1) return v.toFixed(2) + " ms";
    return (v * 1000).toFixed(0) + " µs";
  }
  function fmtBytes(v) {
    if (v == null) return "-";
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return v.toFixed(i ? 1 : 0) + " " + u[i];
  }
  function fmtNum(v, unit) { return v == null ? "-" : v.toFixed(1) + (unit || ""); }
  function width(el) { return Math.max(320, el.clientWidth || 900); }

  function line(label, scale, color, fmt, extra) {
    return Object.assign({ label: label, scale: scale, stroke: color, width: 1.5, spanGaps: false,
      value: function (u, v) { return fmt(v); } }, extra || {});
  }
  function dots(label, scale, color, fmt) {
    return line(label, scale, color, fmt, { paths: function () { return null; },
      points: { show: true, size: 6, fill: color, stroke: color } });
  }
  // Every timeline chart shows the same x range, so a latency spike and
  // the target's state at that moment sit at the same horizontal position.
  function timeScale() {
    return { time: true, range: function (u, min, max) {
      return D.xmax > D.xmin ? [D.xmin, D.xmax] : [min, max];
    } };
  }
  function make(id, height, scales, series, axes, data, ownCursor) {
    const el = document.getElementById(id);
    if (!el) return;
    const u = new uPlot({ width: width(el), height: height, cursor: ownCursor ? {} : { sync: sync },
      scales: scales, series: series, axes: axes, legend: { live: true } }, data, el);
    charts.push([u, el]);
  }

  if (D.time && D.time.length) {
    make("chart-latency", 300,
      { x: timeScale(), ms: { auto: true } },
      [{}, line("p50", "ms", palette[0], fmtMs), line("p90", "ms", palette[1], fmtMs),
        line("p99", "ms", palette[2], fmtMs), line("max", "ms", palette[3], fmtMs)],
      [{}, { scale: "ms", label: "latency (intended time)", size: 70, values: function (u, s) { return s.map(fmtMs); } }],
      [D.time, D.p50, D.p90, D.p99, D.max]);
    make("chart-rate", 170,
      { x: timeScale(), rps: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      [{}, line("responses/s", "rps", palette[0], function (v) { return fmtNum(v, "/s"); }, { fill: "rgba(31,119,180,0.08)" }),
        line("errors/s", "rps", palette[3], function (v) { return fmtNum(v, "/s"); })],
      [{}, { scale: "rps", label: "achieved rate", size: 70 }],
      [D.time, D.rate, D.errors]);
  }
  const T = D.target;
  if (T && T.time && T.time.length) {
    make("chart-cpu", 200,
      { x: timeScale(), cpu: { auto: true, range: function (u, min, max) { return [0, Math.max(100, max)]; } }, rss: { auto: true } },
      [{}, line("target CPU", "cpu", palette[4], function (v) { return fmtNum(v, "%"); }),
        line("target RSS", "rss", palette[5], fmtBytes)],
      [{}, { scale: "cpu", label: "CPU % (100 = 1 core)", size: 70 },
        { scale: "rss", side: 1, label: "RSS", size: 80, grid: { show: false }, values: function (u, s) { return s.map(fmtBytes); } }],
      [T.time, T.cpu, T.rss]);
    make("chart-gc", 170,
      { x: timeScale(), gc: { auto: true, range: function (u, min, max) { return [0, Math.max(0.1, max)]; } } },
      [{}, dots("longest GC pause", "gc", palette[3], fmtMs),
        line("GCs in interval", "n", "#999", function (v) { return fmtNum(v); }, { width: 1 })],
      [{}, { scale: "gc", label: "GC pause", size: 70, values: function (u, s) { return s.map(fmtMs); } },
        { scale: "n", side: 1, label: "GCs", size: 50, grid: { show: false } }],
      [T.time, T.gc_pause, T.gc_count]);
  }
  const pos = function (a) { return a.map(function (v) { return v > 0 ? v : null; }); };
  function spectrumChart(id, x, named) {
    const series = [{ label: "percentile", value: function (u, v) { return pctLabel(v); } }];
    const data = [x];
    named.forEach(function (n, i) {
      if (!n[1] || !n[1].length) return;
      series.push(line(n[0], "ms", n[2], fmtMs));
      data.push(pos(n[1]));
    });
    make(id, 320,
      { x: { time: false, distr: 3, log: 10 }, ms: { distr: 3, log: 10 } },
      series,
      [{ label: "percentile", values: function (u, s) { return s.map(pctLabel); },
        // One tick per added nine: 0 %, 90 %, 99 %, 99.9 %, ...
        splits: function (u) {
          const out = [];
          for (let v = 1; v <= u.scales.x.max * 1.0001; v *= 10) out.push(v);
          return out;
        } },
        { scale: "ms", label: "latency", size: 70, values: function (u, s) { return s.map(fmtMs); } }],
      data);
  }
  // A capacity search: latency and throughput against the offered rate.
  const K = D.capacity;
  if (K && K.rate && K.rate.length) {
    const rateAxis = { label: "offered rate (requests/s)", values: function (u, s) { return s.map(function (v) { return v + "/s"; }); } };
    const rateSeries = { label: "offered rate", value: function (u, v) { return fmtNum(v, "/s"); } };
    const pts = { show: true, size: 7 };
    make("chart-capacity-latency", 280,
      { x: { time: false }, ms: { distr: 3, log: 10 } },
      [rateSeries, line("p50", "ms", palette[0], fmtMs, { points: pts }), line("p99", "ms", palette[2], fmtMs, { points: pts }),
        line("p99.9", "ms", palette[3], fmtMs, { points: pts })],
      [rateAxis, { scale: "ms", label: "latency (intended time)", size: 70, values: function (u, s) { return s.map(fmtMs); } }],
      [K.rate, pos(K.p50.map(function (v) { return v == null ? 0 : v; })), pos(K.p99.map(function (v) { return v == null ? 0 : v; })),
        pos(K.p999.map(function (v) { return v == null ? 0 : v; }))], true);
    make("chart-capacity-throughput", 220,
      { x: { time: false }, rps: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      [rateSeries, line("throughput", "rps", palette[1], function (v) { return fmtNum(v, "/s"); }, { points: pts }),
        line("offered", "rps", "#999", function (v) { return fmtNum(v, "/s"); }, { dash: [4, 4], width: 1 })],
      [rateAxis, { scale: "rps", label: "successful responses/s", size: 70 }],
      [K.rate, K.throughput, K.rate], true);
  }
  const S = D.spectrum;
  if (S && S.x && S.x.length) {
    spectrumChart("chart-spectrum", S.x, [["latency (intended time)", S.latency, palette[2]],
      ["service latency", S.service, palette[0]]]);
  }
  const CS = C.spectrum;
  if (CS && CS.x && CS.x.length) {
    spectrumChart("chart-compare-spectrum", CS.x, [["base latency", CS.base, palette[0]],
      ["new latency", CS.new, palette[3]]]);
  }
  // x = 1/(1-p): 1 -> 0 %, 10 -> 90 %, 100 -> 99 %, ...
  function pctLabel(x) {
    if (x == null) return "-";
    const p = 100 * (1 - 1 / x);
    let d = 0;
    while (d < 5 && Math.abs(p - Number(p.toFixed(d))) > 1e-9 * Math.max(1, p)) d++;
    return p.toFixed(d) + "%";
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c[0].setSize({ width: width(c[1]), height: c[0].height }); });
  });
  document.body.setAttribute("data-charts", String(charts.length));
})();
