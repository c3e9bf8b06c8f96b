// Rumbo's web app: draws the charts from the page's JSON blocks, sorts
// tables, sends settings forms to the API with the session's CSRF token and
// the page's organisation, shows the fields of a key result's kind and the
// owner of an objective only when a team or a rep owns it, asks for the
// blocker on low-confidence check-ins, and shows a number's explanation when
// it is focused (a tap or the keyboard). No build step.
(function () {
  "use strict";
  var charts = [];
  var lang = document.body.getAttribute("data-lang") || "es";
  var nf = new Intl.NumberFormat(lang === "en" ? "en-GB" : "es-ES", { maximumFractionDigits: 1 });

  // The page's headers for the API: the session's CSRF token and the
  // organisation the page shows (X-Rumbo-Org), as htmx sends them.
  // pageHeaders are the CSRF header and the page's language, in which the
  // API then words its errors.
  function pageHeaders() {
    var h = {};
    try { h = JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) {}
    if (document.body.getAttribute("data-lang")) h["X-Rumbo-Lang"] = document.body.getAttribute("data-lang");
    return h;
  }

  // esc makes text safe in a tooltip, which ECharts shows as HTML: names
  // come from the organisation's data (reps, markets, KPIs).
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function dataOf(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function gauge(d) {
    var y = d.yellow / d.max, g = d.green / d.max;
    return {
      animation: false,
      series: [{
        type: "gauge", min: 0, max: d.max, startAngle: 200, endAngle: -20, radius: "100%", center: ["50%", "62%"],
        axisLine: { lineStyle: { width: 12, color: [[y, "#d1242f"], [g, "#d4a20b"], [1, "#2da44e"]] } },
        pointer: d.gauge == null ? { show: false } : { width: 5, length: "62%", itemStyle: { color: "#1f2328" } },
        anchor: { show: d.gauge != null, size: 9, itemStyle: { color: "#1f2328" } },
        axisTick: { show: false }, splitLine: { length: 6, distance: 2, lineStyle: { color: "#8c959f", width: 1 } },
        axisLabel: { distance: 14, color: "#57606a", fontSize: 9, formatter: function (v) { return (v === 0 || v === 100 || Math.round(v) === Math.round(d.max)) ? Math.round(v) + "%" : ""; } },
        detail: { show: false }, title: { show: false },
        data: [{ value: d.gauge == null ? 0 : Math.min(d.gauge, d.max) }]
      }]
    };
  }

  function spark(d) {
    return {
      animation: false, grid: { left: 2, right: 2, top: 4, bottom: 2 },
      tooltip: { trigger: "axis", formatter: function (p) { return esc((d.texts && d.texts[p[0].dataIndex]) || p[0].name); } },
      xAxis: { type: "category", data: d.labels || [], show: false },
      yAxis: { type: "value", show: false, scale: true },
      series: [{ type: "line", data: d.values || [], symbol: "none", smooth: true, lineStyle: { width: 2, color: d.color }, areaStyle: { color: d.color, opacity: .12 } }]
    };
  }

  function series(d) {
    return {
      animation: false, grid: { left: 60, right: 16, top: 30, bottom: 40 },
      legend: { top: 0, data: [d.names[0], d.names[1]] },
      // A shortened label (a clipped week) shows its full period here.
      tooltip: { trigger: "axis", formatter: function (p) {
        var i = p[0].dataIndex, lines = [esc((d.full && d.full[i]) || p[0].name)];
        p.forEach(function (s) { if (s.value != null) lines.push(s.marker + esc(s.seriesName) + ": " + esc(s.seriesIndex === 0 && d.texts && d.texts[i] ? d.texts[i] : nf.format(s.value))); });
        return lines.join("<br>");
      } },
      xAxis: { type: "category", data: d.labels || [], axisLabel: { color: "#57606a" } },
      yAxis: { type: "value", axisLabel: { color: "#57606a", formatter: function (v) { return nf.format(v); } } },
      series: [
        { name: d.names[0], type: "bar", data: (d.values || []).map(function (v, i) { return { value: v, itemStyle: { color: (d.colors && d.colors[i]) || "#0b5cad" } }; }) },
        { name: d.names[1], type: "line", data: d.target || [], symbol: "none", lineStyle: { type: "dashed", width: 2, color: "#1f2328" }, itemStyle: { color: "#1f2328" }, connectNulls: false }
      ]
    };
  }

  function bars(d) {
    return {
      animation: false, grid: { left: 130, right: 70, top: 10, bottom: 20 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (p) { return esc(p[0].name + ": " + ((d.texts && d.texts[p[0].dataIndex]) || p[0].value)); } },
      xAxis: { type: "value", axisLabel: { color: "#57606a", formatter: function (v) { return nf.format(v); } } },
      yAxis: { type: "category", inverse: true, data: d.labels || [], axisLabel: { color: "#1f2328", width: 120, overflow: "truncate" } },
      series: [{ type: "bar", data: (d.values || []).map(function (v, i) { return { value: v, itemStyle: { color: (d.colors && d.colors[i]) || "#0b5cad" } }; }),
        label: { show: true, position: "right", color: "#1f2328", formatter: function (p) { return (d.texts && d.texts[p.dataIndex]) || p.value; } } }]
    };
  }

  function progress(d) {
    return {
      animation: false, grid: { left: 44, right: 16, top: 30, bottom: 30 },
      legend: { top: 0, data: [d.names[0], d.names[1]] },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : Math.round(v) + " %"; } },
      xAxis: { type: "category", data: d.labels || [], axisLabel: { color: "#57606a" } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { color: "#57606a", formatter: "{value} %" } },
      series: [
        { name: d.names[0], type: "line", data: d.values || [], connectNulls: false, lineStyle: { width: 3, color: "#0b5cad" }, itemStyle: { color: "#0b5cad" } },
        { name: d.names[1], type: "line", data: d.target || [], symbol: "none", lineStyle: { type: "dashed", color: "#57606a" }, itemStyle: { color: "#57606a" } }
      ]
    };
  }

  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) return;
      var d = dataOf(el.getAttribute("data-chart"));
      if (!d) return;
      var part = el.getAttribute("data-part") || d.kind, opt;
      if (part === "gauge") opt = gauge(d);
      else if (part === "spark") { if (!d.values || !d.values.length) return; opt = spark(d); }
      else if (part === "series") opt = series(d);
      else if (part === "bars") opt = bars(d);
      else if (part === "progress") opt = progress(d);
      if (!opt) return;
      var c = echarts.init(el, null, { renderer: "svg" });
      c.setOption(opt);
      el.setAttribute("data-drawn", "1");
      charts.push(c);
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // Sortable tables: a header button sorts its column (numbers by data-sort).
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.sort");
    if (!b) return;
    var table = b.closest("table"), col = +b.getAttribute("data-col"), num = b.hasAttribute("data-num");
    var asc = b.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("button.sort").forEach(function (x) { x.removeAttribute("aria-sort"); });
    b.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = r1.cells[col], z = r2.cells[col], x, y;
      if (num) { x = parseFloat(a.getAttribute("data-sort")) || 0; y = parseFloat(z.getAttribute("data-sort")) || 0; }
      else { x = a.textContent.trim().toLowerCase(); y = z.textContent.trim().toLowerCase(); }
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });

  // Selects marked data-autosubmit submit their form on change.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.hasAttribute("data-api-method")) apiSubmit(el.form, el.form);
      else el.form.requestSubmit();
    }
    if (el.id === "ci-conf") blocker(el);
    if (el.name === "kr_kind" && el.form) kinds(el.form);
    if (el.name === "owner_kind" && el.form) owner(el.form);
  });
  document.addEventListener("input", function (ev) { if (ev.target.id === "ci-conf") blocker(ev.target); });

  function blocker(input) {
    var fs = input.form && input.form.querySelector("fieldset.blocker");
    if (!fs) return;
    var low = input.value !== "" && +input.value <= +(input.getAttribute("data-low") || 3);
    fs.hidden = !low;
    fs.querySelectorAll("input").forEach(function (i) { i.required = low; });
  }

  // The key result form shows only the fields of the chosen kind; the
  // others are disabled, so that they are neither sent nor validated.
  function kinds(form) {
    var k = form.querySelector('[name="kr_kind"]');
    if (!k) return;
    form.querySelectorAll("[data-kinds]").forEach(function (box) {
      var on = box.getAttribute("data-kinds").split(" ").indexOf(k.value) >= 0;
      box.hidden = !on;
      box.querySelectorAll("input, select, textarea").forEach(function (x) { x.disabled = !on; });
    });
  }

  // An objective has an owner only when a team or a rep owns it: for the
  // whole company the owner field is hidden and disabled, so it is not sent
  // (without this script it shows, and the server ignores it).
  function owner(form) {
    var k = form.querySelector('[name="owner_kind"]'), box = form.querySelector("[data-owner-kinds]");
    if (!k || !box) return;
    var on = box.getAttribute("data-owner-kinds").split(" ").indexOf(k.value) >= 0;
    box.hidden = !on;
    box.querySelectorAll("input").forEach(function (x) { x.disabled = !on; x.required = on; });
  }

  // A number that explains itself (a focusable element with a title) also
  // shows its explanation while focused: a tap on a phone or the keyboard
  // reads what a mouse reads on hover.
  var tip = null;
  function hideTip() {
    if (!tip) return;
    var owner = document.querySelector('[aria-describedby="explain-tip"]');
    if (owner) owner.removeAttribute("aria-describedby");
    tip.remove();
    tip = null;
  }
  document.addEventListener("focusin", function (ev) {
    var el = ev.target;
    hideTip();
    if (!el.matches || !el.matches("main [title][tabindex]") || !el.getAttribute("title")) return;
    tip = document.createElement("div");
    tip.id = "explain-tip";
    tip.className = "explain-tip";
    tip.setAttribute("role", "tooltip");
    tip.textContent = el.getAttribute("title");
    document.body.appendChild(tip);
    var r = el.getBoundingClientRect(), w = tip.offsetWidth;
    var left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - w - 8));
    tip.style.left = left + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    el.setAttribute("aria-describedby", "explain-tip");
  });
  document.addEventListener("focusout", hideTip);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hideTip(); });

  // Forms and buttons with data-api-method call the JSON API.
  function apiSubmit(form, trigger) {
    var method = trigger.getAttribute("data-api-method"), url = trigger.getAttribute("data-api-url");
    var out = form.querySelector && form.querySelector("output.api-result");
    var body = {};
    if (form.elements) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled) return;
        if (el.hasAttribute("data-path")) { url = url.replace("{" + el.name + "}", encodeURIComponent(el.value.trim())); return; }
        if (el.type === "checkbox") body[el.name] = el.checked;
        else if (el.getAttribute("data-type") === "number") body[el.name] = parseFloat(String(el.value).replace(",", "."));
        else if (el.value !== "" || el.name === "scope") body[el.name] = el.value.trim();
      });
      var cf = form.getAttribute("data-confirm-field");
      if (cf && form.elements[cf] && form.elements[cf].value !== form.elements[cf].getAttribute("data-initial") && !window.confirm(form.getAttribute("data-confirm"))) return;
    }
    var opts = { method: method, headers: pageHeaders(), credentials: "same-origin" };
    if (method !== "DELETE" && !(form.hasAttribute && form.hasAttribute("data-api-nobody"))) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (out) out.textContent = "…";
    fetch(url, opts).then(function (res) {
      return res.text().then(function (t) { var j = {}; try { j = t ? JSON.parse(t) : {}; } catch (e) {} return { ok: res.ok, j: j }; });
    }).then(function (r) {
      if (!r.ok) {
        // The API says the error in the page's language as "text" (X-Rumbo-Lang).
        var msg = (r.j.error && (r.j.error.text || r.j.error.message)) || "Error";
        if (out) { out.textContent = msg; out.className = "api-result error"; } else window.alert(msg);
        return;
      }
      var done = trigger.getAttribute("data-api-done");
      if (done === "show" && out) {
        var key = out.getAttribute("data-show");
        out.className = "api-result notice";
        out.textContent = out.getAttribute("data-label") + " ";
        var code = document.createElement("code");
        code.textContent = r.j[key] || "";
        out.appendChild(code);
        return;
      }
      window.location.reload();
    });
  }

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.hasAttribute("data-api-method")) { ev.preventDefault(); apiSubmit(f, f); }
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-api-method]");
    if (b && !b.form) { ev.preventDefault(); apiSubmit(b, b); }
    else if (b && b.form && b.type === "button") { ev.preventDefault(); apiSubmit(b.form, b); }
  });

  function start() {
    draw(document);
    document.querySelectorAll("form.okr-form").forEach(function (f) { kinds(f); owner(f); });
    if (window.htmx) htmx.onLoad(function (el) { draw(el); var c = el.querySelector && el.querySelector("#ci-conf"); if (c) blocker(c); });
    var c = document.getElementById("ci-conf");
    if (c) blocker(c);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
