// The code view of the editor panel: CodeMirror 6 with Python highlighting, one undo history per
// file. Imported by editor.js only when the panel is first opened, so start-up never loads it.
//
// CodeMirror comes from the vendored PyScript dist: core.js exports `codemirror`, lazy getters
// for the same chunks PyScript's own py-editor uses (state, view, language, python, commands).
// core.js is already loaded by the page, so importing it again costs nothing. We take the parts,
// not PyScript's editor: that one would start a second Python in a worker.
//
// The view lives in a shadow root: there CodeMirror adds its styles as constructed style sheets
// (CSSOM), which the page's Content-Security-Policy (style-src 'self', no inline <style>) allows;
// in the document itself it would write <style> elements, which that policy blocks. Its looks
// come from codeview.css, linked inside the shadow root.

import { t } from "./i18n.js";

const PYSCRIPT = new URL("../vendor/pyscript/core.js", import.meta.url).href;
const CSS = new URL("../codeview.css", import.meta.url).href;

/** Build the view inside `host`. onApply(): Ctrl/Cmd+Enter; onChange(path, text): every edit. */
export async function codeView(host, { onApply, onChange }) {
  const { codemirror: cm } = await import(PYSCRIPT);
  const [state, view, language, { python }, commands] =
    await Promise.all([cm.state, cm.view, cm.language, cm.python, cm.commands]);
  const { EditorState, Prec, StateEffect, StateField } = state;
  const { EditorView, Decoration, keymap } = view;

  // The line of the last error, marked until the next apply or until its file is shown again.
  const setErrorLine = StateEffect.define();
  const errorLine = StateField.define({
    create: () => Decoration.none,
    update(deco, tr) {
      deco = deco.map(tr.changes);
      for (const e of tr.effects) {
        if (!e.is(setErrorLine)) continue;
        const n = e.value;
        deco = n && n <= tr.state.doc.lines
          ? Decoration.set([Decoration.line({ class: "cm-error-line" }).range(tr.state.doc.line(n).from)])
          : Decoration.none;
      }
      return deco;
    },
    provide: (f) => EditorView.decorations.from(f),
  });

  let path = null;
  const extensions = [
    view.lineNumbers(), view.highlightActiveLineGutter(), view.highlightSpecialChars(),
    commands.history(), language.foldGutter(), view.drawSelection(), language.indentOnInput(),
    language.syntaxHighlighting(language.defaultHighlightStyle, { fallback: true }),
    language.bracketMatching(), view.highlightActiveLine(),
    language.indentUnit.of("    "), EditorState.tabSize.of(4), python(), errorLine,
    Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { onApply(); return true; } }])),
    keymap.of([...commands.defaultKeymap, ...commands.historyKeymap, ...language.foldKeymap,
               commands.indentWithTab]),
    // contenteditable alone is not counted as focusable by accessibility checkers (axe's
    // scrollable-region-focusable); an explicit tabindex says it is, without a new tab stop.
    EditorView.contentAttributes.of({ tabindex: "0" }),
    EditorView.updateListener.of((u) => { if (u.docChanged) onChange(path, u.state.doc.toString()); }),
  ];
  const states = new Map();    // path -> EditorState, so each file keeps its own undo history
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: CSS });
  const parent = Object.assign(document.createElement("div"), { className: "cm-host" });
  root.replaceChildren(link, parent);
  const ev = new EditorView({ parent, root });

  return {
    /** Show `path`; `text` replaces its content only when given (a reset, a preset, a restore). */
    show(p, text) {
      if (path !== null) states.set(path, ev.state);
      path = p;
      let st = states.get(p);
      if (!st) st = EditorState.create({ doc: text ?? "", extensions });
      ev.setState(st);
      if (text != null && text !== st.doc.toString()) this.replace(text);
      ev.contentDOM.setAttribute("aria-label", t("editor.source", { path: p }));
    },
    /** Replace the whole text, as one undoable change. */
    replace(text) {
      ev.dispatch({ changes: { from: 0, to: ev.state.doc.length, insert: text } });
    },
    text: () => ev.state.doc.toString(),
    current: () => path,
    has: (p) => states.has(p) || p === path,
    /** Drop a hidden file's state (it was reset elsewhere); it is rebuilt when shown. */
    forget(p) { if (p !== path) states.delete(p); },
    /** Mark line n of the file shown (null clears) and scroll it into view; with go, also put
     *  the cursor there and focus the code. */
    markLine(n, go = false) {
      const ok = n && n <= ev.state.doc.lines;
      const spec = { effects: [setErrorLine.of(ok ? n : null)] };
      if (ok) spec.effects.push(EditorView.scrollIntoView(ev.state.doc.line(n).from, { y: "nearest" }));
      if (ok && go) spec.selection = { anchor: ev.state.doc.line(n).from };
      ev.dispatch(spec);
      if (ok && go) ev.focus();
    },
    /** Scroll line n into view with the cursor on it (a preset shows what it changed). */
    reveal(n) {
      if (n > ev.state.doc.lines) return;
      ev.dispatch({ selection: { anchor: ev.state.doc.line(n).from }, scrollIntoView: true });
    },
    focus: () => ev.focus(),
  };
}
