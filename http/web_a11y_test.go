package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// a11yPage is a page the accessibility checks open, and what shows it is ready.
type a11yPage struct{ path, wait string }

// Phone size of the accessibility checks.
const phoneWidth, phoneHeight = 375, 740

// overflowJS lists what sticks out to the right of the viewport; empty
// when the page does not scroll sideways.
const overflowJS = `(() => {
  const out = [];
  if (document.documentElement.scrollWidth <= window.innerWidth) return out;
  out.push("scrollWidth " + document.documentElement.scrollWidth + " > innerWidth " + window.innerWidth);
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && r.width > 0 && !el.closest(".table-wrap")) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className).replace(/ +/g, ".") + " right " + Math.round(r.right));
      if (out.length > 8) break;
    }
  }
  return out;
})()`

// unlabelledJS lists the form controls without an accessible name: a
// label, aria-label, aria-labelledby or title.
const unlabelledJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const byLabel = Array.from(el.labels || []).map(l => l.textContent).join(" ");
    const byRef = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
      .map(id => (document.getElementById(id) || {}).textContent || "").join(" ");
    const name = [byLabel, el.getAttribute("aria-label") || "", byRef, el.getAttribute("title") || ""].join(" ").trim();
    if (!name) out.push(el.outerHTML.slice(0, 140));
  }
  return out;
})()`

// contrastJS computes, for every visible text (HTML text and SVG chart
// text), the WCAG contrast ratio of its colour against the background
// it is drawn on (the backgrounds of its ancestors composited over white)
// and lists those below 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
const contrastJS = `(() => {
  const parse = (c) => {
    if (!c || c === "none" || c === "transparent") return [0, 0, 0, 0];
    let m = c.match(/^rgba?\(([^)]+)\)$/);
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = c.match(/^color\(srgb ([^)]+)\)$/);
    if (m) {
      const p = m[1].split(/[\s\/]+/).filter(Boolean).map(parseFloat);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.fillStyle = c;
    return parse(ctx.fillStyle.startsWith("#") ? "rgb(" + [1, 3, 5].map(i => parseInt(ctx.fillStyle.substr(i, 2), 16)).join(",") + ")" : ctx.fillStyle);
  };
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a).concat([a]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  // background returns the colour el is drawn on, or null when an image
  // or a gradient is under it (then the check cannot tell).
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage !== "none" && !/^(input|select|textarea)$/i.test(e.tagName)) return null;
      const bg = parse(cs.backgroundColor);
      bg[3] *= parseFloat(cs.opacity);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let c = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  };
  const out = [];
  let checked = 0;
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim()) continue;
    seen.add(el);
    if (el.closest("script, style, option, optgroup, noscript, title, [hidden], [aria-hidden=true]")) continue;
    if (el.closest("button:disabled, input:disabled, select:disabled, fieldset:disabled")) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || r.right < 0 || r.left < -50) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== "visible" || parseFloat(cs.opacity) === 0) continue;
    const svg = el instanceof SVGElement;
    const bgEl = svg ? el.ownerSVGElement.parentElement : el;
    const bg = background(bgEl);
    if (!bg) continue;
    let fg = parse(svg ? (el.getAttribute("fill") || cs.fill) : cs.color);
    if (svg) fg[3] *= parseFloat(el.getAttribute("fill-opacity") || cs.fillOpacity || "1");
    fg = over(fg, bg);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const min = large ? 3 : 4.5;
    checked++;
    if (ratio < min - 0.005) {
      out.push(ratio.toFixed(2) + ":1 < " + min + " " + el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.className && !svg ? "." + String(el.className).trim().replace(/ +/g, ".") : "") +
        " \"" + n.textContent.trim().slice(0, 40) + "\" " + cs.color + " on rgb(" + bg.slice(0, 3).map(Math.round) + ")");
    }
  }
  if (checked < 20) out.push("only " + checked + " texts checked");
  return out;
})()`

// poll waits until the JavaScript expression is true.
func (e *webEnv) poll(t *testing.T, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr)); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// accessibility checks the dashboard, a KPI page and the OKR pages at phone
// size (no sideways scrolling, labelled controls, WCAG AA contrast) and
// that the keyboard reaches the period picker and the check-in's submit.
func (e *webEnv) accessibility(t *testing.T, krPath string) {
	pages := []a11yPage{
		{"/", "#h-headline"},
		{"/kpis/revenue?by=owner", "#breakdown-table"},
		{"/okrs", ".okr-table"},
		{krPath, "#checkin-form"},
		{"/okrs/objectives/new", "#okr-form"},
	}
	defer e.run(t, chromedp.EmulateViewport(1280, 900))
	// The checks themselves catch what they look for: a page given a
	// pale text, an unlabelled input and a too wide box fails each.
	e.run(t, chromedp.EmulateViewport(phoneWidth, phoneHeight), chromedp.Navigate(e.url+"/guide"), chromedp.WaitVisible(chromedp.CSS("main")))
	evalJS[bool](t, e, `(() => { document.querySelector("main").insertAdjacentHTML("beforeend",
		'<p id="pale" style="color:#999;background:#fff">pálido</p><input id="nameless"><div id="wide" style="width:900px">ancho</div>'); return true })()`)
	for _, c := range []struct{ name, js, want string }{
		{"contrast", contrastJS, "#pale"}, {"labels", unlabelledJS, "nameless"}, {"overflow", overflowJS, "#wide"},
	} {
		if out := strings.Join(evalJS[[]string](t, e, c.js), "\n"); !strings.Contains(out, c.want) {
			t.Errorf("the %s check misses %s: %q", c.name, c.want, out)
		}
	}
	for _, size := range [][2]int64{{phoneWidth, phoneHeight}, {1280, 900}} {
		e.run(t, chromedp.EmulateViewport(size[0], size[1]))
		for _, p := range pages {
			e.run(t, chromedp.Navigate(e.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
			// Charts draw once the page has loaded; their text is checked too.
			e.poll(t, `document.readyState === "complete"`)
			where := fmt.Sprintf("%s at %dx%d", p.path, size[0], size[1])
			if size[0] == phoneWidth {
				if out := evalJS[[]string](t, e, overflowJS); len(out) > 0 {
					t.Errorf("%s scrolls sideways:\n%s", where, strings.Join(out, "\n"))
				}
			}
			if out := evalJS[[]string](t, e, unlabelledJS); len(out) > 0 {
				t.Errorf("%s: controls without a label:\n%s", where, strings.Join(out, "\n"))
			}
			if out := evalJS[[]string](t, e, contrastJS); len(out) > 0 {
				t.Errorf("%s: text below WCAG AA contrast:\n%s", where, strings.Join(out, "\n"))
			}
		}
	}
	// The keyboard alone reaches the period picker and the check-in's submit.
	for _, p := range []struct{ path, wait, target string }{
		{"/", "#h-headline", "#period-picker"},
		{krPath, "#checkin-form", "#ci-submit"},
	} {
		e.run(t, chromedp.Navigate(e.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		reached := false
		for i := 0; i < 80 && !reached; i++ {
			e.run(t, chromedp.KeyEvent(kb.Tab))
			reached = evalJS[bool](t, e, `document.activeElement && document.activeElement.matches(`+jsString(p.target)+`)`)
		}
		if !reached {
			t.Errorf("%s: Tab never reaches %s", p.path, p.target)
		}
	}
}
