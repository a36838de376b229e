// loadgen report glue: builds uPlot charts from the data the page template
// embeds (LOADGEN on a run report, LOADGEN_COMPARE on a comparison). All
// drawing is uPlot's; this file only configures it.
"use strict";
(function () {
  const D = typeof LOADGEN !== "undefined" ? LOADGEN : {};
  const C = typeof LOADGEN_COMPARE !== "undefined" ? LOADGEN_COMPARE : {};
  const charts = [];
  const byId = {};
  const sync = { key: "loadgen-time", setSeries: false };
  const palette = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"];

  function fmtMs(v) {
    if (v == null) return "-";
    if (v >= 1000) return (v / 1000).toFixed(2) + " s";
    if (v >= 1) return v.toFixed(2) + " ms";
    return (v * 1000).toFixed(0) + " µs";
  }
  // uPlot leaves a log axis's minor ticks unlabelled (null): no "-" there.
  function tickMs(v) { return v == null ? "" : fmtMs(v); }
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
  // An axis as wide as its longest tick label plus its title: uPlot's own
  // axis-autosize recipe. A fixed width cut "500.00 ms" to "00.00 ms" and
  // let the title run over the numbers.
  function autoSize(u, values, axisIdx, cycleNum) {
    const axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    let size = axis.ticks.size + axis.gap;
    let longest = "";
    (values || []).forEach(function (v) { if (v != null && String(v).length > longest.length) longest = String(v); });
    if (longest !== "") {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / uPlot.pxRatio;
    }
    return Math.ceil(size);
  }
  function sized(axes) {
    return axes.map(function (a, i) { return i === 0 ? a : Object.assign({ size: autoSize, labelGap: 6 }, a); });
  }
  function make(id, height, scales, series, axes, data, ownCursor, plugins) {
    const el = document.getElementById(id);
    if (!el) return;
    const u = new uPlot({ width: width(el), height: height, cursor: ownCursor ? {} : { sync: sync },
      scales: scales, series: series, axes: sized(axes), legend: { live: true }, plugins: plugins || [] }, data, el);
    el.uplot = u; // for the browser's console (and the browser test)
    charts.push([u, el]);
    byId[id] = u;
    return u;
  }
  // A right-hand axis that draws nothing, so that every stacked timeline
  // chart has one and their plotting areas can line up.
  function spacer(scale) {
    return { scale: scale, side: 1, label: "", grid: { show: false }, ticks: { show: false }, values: function () { return []; } };
  }
  // Stacked charts share the time axis: give them all the widest left and
  // right axis, so one instant sits at one horizontal position in each.
  // It runs once uPlot has laid the charts out (it does so after the
  // constructor returns), when each axis knows its own width.
  function align(ids) {
    const us = ids.map(function (id) { return byId[id]; }).filter(Boolean);
    if (us.length < 2) {
      document.body.setAttribute("data-aligned", "1");
      return;
    }
    if (us.some(function (u) { return u.axes.some(function (a, i) { return i > 0 && a._size == null; }); })) {
      requestAnimationFrame(function () { align(ids); });
      return;
    }
    const widest = [0, 0];
    us.forEach(function (u) {
      u.axes.forEach(function (a, i) { if (i > 0) widest[a.side === 1 ? 1 : 0] = Math.max(widest[a.side === 1 ? 1 : 0], a._size || 0); });
    });
    us.forEach(function (u) {
      u.axes.forEach(function (a, i) {
        if (i === 0) return;
        const w = widest[a.side === 1 ? 1 : 0];
        a.size = function () { return w; };
      });
      u.setSize({ width: u.width, height: u.height });
    });
    document.body.setAttribute("data-aligned", "1");
  }

  // A trace link template is used only as an http(s) URL (the Go side
  // checks it too); the id is hex, encoded all the same.
  function traceURL(id) {
    const t = D.trace_link;
    if (!t || !id || !/^https?:\/\//i.test(t)) return "";
    return t.split("{trace_id}").join(encodeURIComponent(id));
  }
  function toast(msg) {
    const el = document.createElement("div");
    el.className = "toast";
    el.textContent = msg;
    document.body.appendChild(el);
    setTimeout(function () { el.remove(); }, 1800);
  }
  // Copies text; the async clipboard needs permission a page opened from
  // disk may not have, so fall back to a selected textarea.
  function copy(text) {
    const fallback = function () {
      const ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed"; ta.style.opacity = "0";
      document.body.appendChild(ta);
      ta.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      toast(ok ? "copied trace id " + text : "trace id " + text);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { toast("copied trace id " + text); }, fallback);
    } else {
      fallback();
    }
  }
  function openOrCopy(e) {
    if (!e.trace) return;
    const url = traceURL(e.trace);
    if (url) window.open(url, "_blank", "noopener");
    else copy(e.trace);
  }
  document.querySelectorAll("button.copy[data-trace]").forEach(function (b) {
    b.addEventListener("click", function () { copy(b.getAttribute("data-trace")); });
  });

  // The slowest requests as dots on the latency chart: hover shows their
  // details (as text: they may hold the target's words), click opens the
  // trace or copies its id.
  // With an endpoint group shown in the latency chart (the group switch
  // below), only that group's slowest requests are drawn.
  let exemplarGroup = null;
  function shownDot(e) { return exemplarGroup === null || e.group === exemplarGroup; }
  function exemplarPlugin(list, scale) {
    let tip = null, hot = -1;
    const R = 4;
    function nearest(u) { return nearestAt(u, u.cursor.left, u.cursor.top); }
    function nearestAt(u, l, t) {
      if (l == null || l < 0 || t == null) return -1;
      let best = -1, bd = (R + 4) * (R + 4);
      list.forEach(function (e, i) {
        if (!shownDot(e)) return;
        const dx = u.valToPos(e.x, "x") - l, dy = u.valToPos(e.y, scale) - t;
        const d = dx * dx + dy * dy;
        if (d <= bd) { bd = d; best = i; }
      });
      return best;
    }
    function describe(e) {
      const lines = ["latency " + e.latency + " (service " + e.service + ", dispatch lag " + e.lag + ")",
        "due " + e.due + " UTC", "status " + e.outcome, e.target];
      if (e.group) lines.push("group " + e.group);
      if (e.trace) lines.push("trace " + e.trace + (e.sampled ? "" : " (not sampled)"),
        traceURL(e.trace) ? "click: open the trace" : "click: copy the trace id");
      return lines.join("\n");
    }
    return { hooks: {
      init: [function (u) {
        tip = document.createElement("div");
        tip.className = "extip";
        tip.hidden = true;
        u.over.appendChild(tip);
        // The dot under the click itself, not the last hover: a click
        // without a mouse move before it (touch, or uPlot resetting its
        // cursor on mousedown) still finds its dot.
        u.over.addEventListener("click", function (ev) {
          const r = u.over.getBoundingClientRect();
          const i = nearestAt(u, ev.clientX - r.left, ev.clientY - r.top);
          if (i >= 0) openOrCopy(list[i]);
        });
      }],
      draw: [function (u) {
        const ctx = u.ctx, dpr = window.devicePixelRatio || 1;
        ctx.save();
        ctx.fillStyle = "rgba(0,0,0,0.75)";
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = dpr;
        let drawn = 0;
        list.forEach(function (e) {
          if (!shownDot(e)) return;
          const cx = u.valToPos(e.x, "x", true), cy = u.valToPos(e.y, scale, true);
          if (cx < u.bbox.left || cx > u.bbox.left + u.bbox.width || cy < u.bbox.top || cy > u.bbox.top + u.bbox.height) return;
          drawn++;
          ctx.beginPath();
          ctx.arc(cx, cy, R * dpr, 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
        });
        ctx.restore();
        u.root.setAttribute("data-dots", drawn); // for the browser test
      }],
      setCursor: [function (u) {
        hot = nearest(u);
        u.over.style.cursor = hot >= 0 && list[hot].trace ? "pointer" : "";
        if (hot < 0) { tip.hidden = true; return; }
        const e = list[hot];
        tip.textContent = describe(e);
        tip.hidden = false;
        const x = u.valToPos(e.x, "x"), y = u.valToPos(e.y, scale);
        tip.style.left = Math.min(x + 10, Math.max(0, u.over.clientWidth - tip.offsetWidth)) + "px";
        tip.style.top = (y + 10) + "px";
      }],
    } };
  }

  if (D.time && D.time.length) {
    make("chart-latency", 300,
      { x: timeScale(), ms: { auto: true } },
      [{}, line("p50", "ms", palette[0], fmtMs), line("p90", "ms", palette[1], fmtMs),
        line("p99", "ms", palette[2], fmtMs), line("max", "ms", palette[3], fmtMs)],
      [{}, { scale: "ms", label: "latency (intended time)", values: function (u, s) { return s.map(tickMs); } }, spacer("ms")],
      [D.time, D.p50, D.p90, D.p99, D.max], false,
      D.exemplars && D.exemplars.length ? [exemplarPlugin(D.exemplars, "ms")] : []);
    make("chart-rate", 170,
      { x: timeScale(), rps: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      [{}, line("responses/s", "rps", palette[0], function (v) { return fmtNum(v, "/s"); }, { fill: "rgba(31,119,180,0.08)" }),
        line("errors/s", "rps", palette[3], function (v) { return fmtNum(v, "/s"); })],
      [{}, { scale: "rps", label: "achieved rate" }, spacer("rps")],
      [D.time, D.rate, D.errors]);
  }
  const T = D.target;
  if (T && T.time && T.time.length) {
    make("chart-cpu", 200,
      // RSS from zero: a narrow range makes a change of a few per cent
      // look like a leak.
      { x: timeScale(), cpu: { auto: true, range: function (u, min, max) { return [0, Math.max(100, max)]; } },
        rss: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      [{}, line("target CPU", "cpu", palette[4], function (v) { return fmtNum(v, "%"); }),
        line("target RSS", "rss", palette[5], fmtBytes)],
      [{}, { scale: "cpu", label: "CPU % (100 = 1 core)" },
        { scale: "rss", side: 1, label: "RSS", grid: { show: false }, values: function (u, s) { return s.map(fmtBytes); } }],
      [T.time, T.cpu, T.rss]);
    make("chart-gc", 170,
      { x: timeScale(), gc: { auto: true, range: function (u, min, max) { return [0, Math.max(0.1, max)]; } } },
      [{}, dots("longest GC pause", "gc", palette[3], fmtMs),
        line("GCs in interval", "n", "#999", function (v) { return fmtNum(v); }, { width: 1 })],
      [{}, { scale: "gc", label: "GC pause", values: function (u, s) { return s.map(tickMs); } },
        { scale: "n", side: 1, label: "GCs", grid: { show: false } }],
      [T.time, T.gc_pause, T.gc_count]);
  }
  requestAnimationFrame(function () { align(["chart-latency", "chart-rate", "chart-cpu", "chart-gc"]); });
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
        { scale: "ms", label: "latency", values: function (u, s) { return s.map(tickMs); } }],
      data);
  }
  // A capacity search: latency and throughput against the offered rate.
  const K = D.capacity;
  if (K && K.rate && K.rate.length) {
    const rateAxis = { label: "offered rate (requests/s)", values: function (u, s) { return s.map(function (v) { return v + "/s"; }); } };
    const rateSeries = { label: "offered rate", value: function (u, v) { return fmtNum(v, "/s"); } };
    const pts = { show: true, size: 7 };
    const color = { p50: palette[0], p99: palette[2], p999: palette[3] };
    const latSeries = [rateSeries, line("p50", "ms", palette[0], fmtMs, { points: pts }), line("p99", "ms", palette[2], fmtMs, { points: pts }),
      line("p99.9", "ms", palette[3], fmtMs, { points: pts })];
    const latData = [K.rate, pos(K.p50.map(function (v) { return v == null ? 0 : v; })), pos(K.p99.map(function (v) { return v == null ? 0 : v; })),
      pos(K.p999.map(function (v) { return v == null ? 0 : v; }))];
    // The SLO's latency bounds as dashed lines: a step passes below its line.
    (K.limits || []).forEach(function (l) {
      latSeries.push(line("SLO " + l.label, "ms", color[l.key] || "#555", fmtMs, { dash: [6, 4], width: 1.5, points: { show: false } }));
      latData.push(K.rate.map(function () { return l.ms; }));
    });
    make("chart-capacity-latency", 280,
      { x: { time: false }, ms: { distr: 3, log: 10 } },
      latSeries,
      [rateAxis, { scale: "ms", label: "latency (intended time)", values: function (u, s) { return s.map(tickMs); } }],
      latData, true);
    make("chart-capacity-throughput", 220,
      { x: { time: false }, rps: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      [rateSeries, line("throughput", "rps", palette[1], function (v) { return fmtNum(v, "/s"); }, { points: pts }),
        line("offered", "rps", "#999", function (v) { return fmtNum(v, "/s"); }, { dash: [4, 4], width: 1 })],
      [rateAxis, { scale: "rps", label: "successful responses/s" }],
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

  // The latency and rate charts show all requests or one endpoint group.
  const pick = document.getElementById("latency-group");
  if (pick && D.groups && D.groups.length) {
    pick.addEventListener("change", function () {
      const g = pick.value === "" ? null : D.groups[Number(pick.value)];
      const src = g || D;
      exemplarGroup = g ? g.name : null;
      if (byId["chart-latency"]) byId["chart-latency"].setData([D.time, src.p50, src.p90, src.p99, src.max]);
      if (byId["chart-rate"]) byId["chart-rate"].setData([D.time, src.rate, src.errors]);
      document.body.setAttribute("data-latency-group", g ? g.name : "");
    });
  }
  // Tables with data-sort headers sort by a click on them (again: the
  // other way); a group's row shows that group in the charts.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th[data-sort]").forEach(function (th) {
      th.style.cursor = "pointer";
      th.addEventListener("click", function () {
        const col = Array.prototype.indexOf.call(th.parentNode.children, th);
        const numeric = th.getAttribute("data-sort") === "num";
        const desc = th.getAttribute("data-dir") !== "desc";
        const body = table.tBodies[0];
        const rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          const x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
          const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return desc ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", desc ? "desc" : "asc");
      });
    });
    table.querySelectorAll("tbody tr[data-group]").forEach(function (tr) {
      tr.style.cursor = "pointer";
      tr.addEventListener("click", function () {
        if (!pick) return;
        pick.value = tr.getAttribute("data-group");
        pick.dispatchEvent(new Event("change"));
        pick.scrollIntoView({ block: "center" });
      });
    });
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c[0].setSize({ width: width(c[1]), height: c[0].height }); });
  });
  window.loadgenCharts = byId; // for the browser test
  document.body.setAttribute("data-charts", String(charts.length));
})();
