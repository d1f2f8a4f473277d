// "Live maths": the formulas Python wrote as TeX (digitlab.web.features.maths), typeset by the
// vendored KaTeX, which is loaded only when this section first comes into view. katex.render()
// builds DOM nodes and sets their styles through the CSSOM, which the page's CSP allows (its
// renderToString would need inline style attributes, which the CSP refuses).

import { lang, t } from "./i18n.js";
import { h } from "./dom.js";
import { waiting } from "./why-saliency.js";

const KATEX_JS = "./vendor/katex/katex.min.js";
const KATEX_CSS = "./vendor/katex/katex.min.css";
let katexLoading = null;

/** Load KaTeX once: its stylesheet and its script (a classic script defining window.katex). */
export function loadKatex() {
  if (!katexLoading) {
    katexLoading = new Promise((resolve, reject) => {
      const css = Object.assign(document.createElement("link"), { rel: "stylesheet", href: KATEX_CSS });
      const js = Object.assign(document.createElement("script"), { src: KATEX_JS, async: true });
      js.addEventListener("load", () => (window.katex ? resolve(window.katex) : reject(new Error("no katex"))));
      js.addEventListener("error", () => reject(new Error(`${KATEX_JS} did not load`)));
      document.head.append(css, js);
    });
  }
  return katexLoading;
}


export class Maths {
  /** onChoose(): the chosen output unit changed; the caller asks Python again. */
  constructor(mount, onChoose) {
    this.katex = null;
    this.failed = false;
    this.choice = null;                       // null: follow the winner
    this.res = null;
    const card = h("section", { class: "card maths" });
    card.id = "maths";
    card.setAttribute("aria-labelledby", "maths-h");
    card.dataset.state = "loading";
    this.h2 = h("h2");
    this.h2.id = "maths-h";
    this.intro = h("p", { class: "note" });
    this.message = h("p", { class: "maths-message" });
    this.picker = this.makePicker(onChoose);
    this.story = h("div", { class: "maths-story" });
    this.layersH = h("h3");
    this.layers = h("ol", { class: "maths-layers" });
    card.append(this.h2, this.intro, this.message, this.picker, this.story, this.layersH, this.layers);
    mount.append(card);
    this.card = card;
    this.render();
  }

  makePicker(onChoose) {
    const group = h("div", { class: "maths-picker" });
    group.setAttribute("role", "group");
    this.buttons = [null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((unit) => {
      const b = h("button", {}, null, unit == null ? "" : String(unit));
      b.type = "button";
      b.dataset.unit = unit == null ? "winner" : String(unit);
      b.addEventListener("click", () => {
        this.choice = unit;
        this.pressed();
        onChoose();
      });
      return b;
    });
    group.append(...this.buttons);
    this.pressed();
    return group;
  }

  pressed() {
    for (const b of this.buttons) {
      const unit = b.dataset.unit === "winner" ? null : Number(b.dataset.unit);
      b.setAttribute("aria-pressed", String(unit === this.choice));
    }
  }

  /** Start loading KaTeX (the section is on screen); re-render when it arrives. */
  wantKatex() {
    if (this.katex || this.failed) return;
    loadKatex().then((k) => { this.katex = k; this.render(); })
      .catch((err) => { this.failed = true; console.warn("digitlab maths:", err); this.render(); });
  }

  show(res) {
    this.res = res;
    this.render();
  }

  /** The words that do not depend on the drawing, in the current language. */
  words() {
    this.lang = lang();
    this.h2.textContent = t("maths.title");
    this.intro.textContent = t("maths.intro");
    this.picker.setAttribute("aria-label", t("maths.unit.label"));
    this.buttons[0].textContent = t("maths.unit.follow");
    this.layersH.textContent = t("maths.layers.title");
  }

  render() {
    const res = this.res;
    if (this.lang !== lang()) this.words();
    const state = res == null ? "loading" : res.blank ? "empty" : "ready";
    this.card.dataset.state = state;
    this.card.dataset.katex = this.katex ? "ready" : this.failed ? "failed" : "loading";
    const msg = state === "loading" ? waiting() : state === "empty" ? t("maths.empty")
      : this.failed ? t("maths.failed") : !this.katex ? t("maths.loading") : "";
    this.message.textContent = msg;
    this.message.hidden = !msg;
    if (state === "ready") {
      Object.assign(this.card.dataset, { unit: res.unit, winner: res.winner, z: res.z, p: res.p });
      this.renderStory(res);
    } else {
      for (const k of ["unit", "winner", "z", "p"]) delete this.card.dataset[k];
      this.story.replaceChildren();
    }
    this.renderLayers(res?.layers || []);
  }

  /** TeX into el, typeset when KaTeX is here, else shown as its source. Skipped when unchanged. */
  tex(node, source) {
    const key = `${this.katex ? "k" : "t"}${source}`;
    if (node.dataset.key === key) return;
    node.dataset.key = key;
    node.dataset.tex = source;
    if (this.katex) {
      this.katex.render(source, node, { displayMode: true, throwOnError: false, output: "htmlAndMathml" });
    } else {
      node.textContent = source;
    }
  }

  /** The chosen output unit: its weighted sum (formula and a table of the terms), ReLU, softmax. */
  renderStory(res) {
    if (!this.story.firstChild) {
      this.storyH = h("h3");
      this.steps = ["sum", "relu", "softmax"].map((k) => ({ k, p: h("p", { class: "maths-step" }), tex: h("div", { class: "tex" }) }));
      this.terms = h("table", { class: "maths-terms" });
      this.termsBox = h("details", { class: "maths-numbers" });
      this.termsBox.append(h("summary"), this.terms);
      this.story.append(this.storyH, this.steps[0].p, this.steps[0].tex, this.termsBox,
                        ...this.steps.slice(1).flatMap((s) => [s.p, s.tex]));
    }
    this.storyH.textContent = t("maths.unit.title", { unit: res.unit });
    for (const s of this.steps) {
      const source = res.tex[s.k] || "";
      s.p.hidden = s.tex.hidden = !source;
      s.p.textContent = t(`maths.unit.${s.k}`);
      if (source) this.tex(s.tex, source);
    }
    this.termsBox.firstChild.textContent = t("maths.terms.summary");
    this.renderTerms(res.sum);
  }

  renderTerms(sum) {
    const head = h("tr");
    for (const label of [t("maths.terms.head.term"), "w", "a", "w·a"]) head.append(h("th", {}, null, label));
    const rows = sum.terms.map((term) => {
      const tr = h("tr");
      Object.assign(tr.dataset, { id: term.id, w: term.w, a: term.a, wa: term.wa });
      tr.append(h("th", {}, null, term.id), ...[term.w, term.a, term.wa].map((v) => h("td", {}, null, v.toFixed(4))));
      return tr;
    });
    const rest = h("tr", { class: "maths-rest" });
    rest.dataset.rest = sum.rest;
    rest.append(h("th", {}, null, t("maths.terms.rest", { n: sum.n_rest })), h("td"), h("td"),
                h("td", {}, null, sum.rest.toFixed(4)));
    const bias = h("tr", { class: "maths-bias" });
    bias.dataset.b = sum.b;
    bias.append(h("th", {}, null, "b"), h("td"), h("td"), h("td", {}, null, sum.b.toFixed(4)));
    const total = h("tr", { class: "maths-total" });
    total.append(h("th", {}, null, "z"), h("td"), h("td"), h("td", {}, null, sum.z.toFixed(4)));
    this.terms.replaceChildren(head, ...rows, rest, bias, total);
  }

  /** One card per layer: what it does (words), its size, how many units fire, its formula. */
  renderLayers(layers) {
    const last = layers.length - 1;
    while (this.layers.children.length > layers.length) this.layers.lastChild.remove();
    layers.forEach((L, i) => {
      let li = this.layers.children[i];
      if (!li) {
        li = h("li", { class: "maths-card" });
        li.append(h("h4"), h("p", { class: "maths-what" }), h("p", { class: "maths-meta" }), h("div", { class: "maths-tex" }));
        this.layers.append(li);
      }
      li.dataset.layer = L.name;
      const [h4, what, meta, texes] = li.children;
      h4.textContent = `${L.name} · ${L.kind} ${L.shape_in.join("×")} → ${L.shape_out.join("×")}`;
      what.textContent = i === last ? t("maths.card.out")
        : L.kind === "dense" && L.activation !== "relu" ? t("maths.card.dense.f", { f: L.activation })
          : t(`maths.card.${L.kind}`);
      const bits = [];
      if (L.params) bits.push(t("maths.layer.params", { n: L.params }));
      if (L.active != null) bits.push(t("maths.layer.active", { active: L.active, total: L.total }));
      meta.textContent = bits.join(" · ");
      meta.hidden = !bits.length;
      while (texes.children.length > L.tex.length) texes.lastChild.remove();
      L.tex.forEach((source, k) => {
        const node = texes.children[k] || texes.appendChild(h("div", { class: "tex" }));
        this.tex(node, source);
      });
    });
  }
}
