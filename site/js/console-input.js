// The console's prompt: a small CodeMirror 6 view with Python highlighting (from the vendored
// PyScript, as codeview.js takes it), in a shadow root for the page's Content-Security-Policy.
// Imported by console.js only when the panel is first opened.
//
// Keys: Enter asks `onEnter(text)` whether the statement is complete (Python decides, through
// console.run); when it is not, a new line is started with the indentation kept. Shift+Enter
// always starts a new line, Ctrl/Cmd+Enter runs what is there. ArrowUp on the first line and
// ArrowDown on the last walk the history; Tab completes a name (`onTab`) or indents.

const PYSCRIPT = new URL("../vendor/pyscript/core.js", import.meta.url).href;
const CSS = new URL("../codeview.css", import.meta.url).href;

/** Build the prompt in `host`. hooks: {onEnter(text, force) -> ran?, onTab(line) -> {start, matches},
 *  history() -> [older … newer], label}. */
export async function consoleInput(host, hooks) {
  const { codemirror: cm } = await import(PYSCRIPT);
  const [state, view, language, { python }, commands] =
    await Promise.all([cm.state, cm.view, cm.language, cm.python, cm.commands]);
  const { EditorState, Prec } = state;
  const { EditorView, keymap } = view;

  let back = -1;        // how far back in the history the prompt shows (-1: the draft)
  let draft = "";

  const set = (ev, text) => ev.dispatch({ changes: { from: 0, to: ev.state.doc.length, insert: text },
                                          selection: { anchor: text.length } });
  const line = (ev) => ev.state.doc.lineAt(ev.state.selection.main.head);

  function enter(ev, force) {
    let text = ev.state.doc.toString();
    const cur = line(ev);
    if (ev.state.doc.lines > 1 && cur.number === ev.state.doc.lines && !cur.text.trim()) {
      text = text.slice(0, cur.from);          // an empty last line ends the block, as at a REPL
      force = true;
    }
    if (!text.trim()) return true;
    if (hooks.onEnter(text, force)) {
      back = -1;
      set(ev, "");
      return true;
    }
    return commands.insertNewlineAndIndent(ev);
  }

  function walk(ev, step) {
    const past = hooks.history();
    const next = Math.max(-1, Math.min(past.length - 1, back + step));
    if (next === back) return false;
    if (back === -1) draft = ev.state.doc.toString();
    back = next;
    set(ev, back === -1 ? draft : past[past.length - 1 - back]);
    return true;
  }

  function tab(ev) {
    const head = ev.state.selection.main.head;
    const before = ev.state.sliceDoc(line(ev).from, head);
    if (!/[\w.]$/.test(before)) return commands.indentMore(ev);
    const { start, matches } = hooks.onTab(before);
    if (!matches.length) return true;
    const from = line(ev).from + start;
    const common = matches.reduce((a, b) => { let i = 0; while (i < a.length && a[i] === b[i]) i++; return a.slice(0, i); });
    if (common.length > head - from) {
      ev.dispatch({ changes: { from, to: head, insert: common }, selection: { anchor: from + common.length } });
    }
    if (matches.length > 1) hooks.onList(matches);
    return true;
  }

  const keys = [
    { key: "Enter", run: (ev) => enter(ev, false) },
    { key: "Mod-Enter", run: (ev) => enter(ev, true) },
    { key: "Shift-Enter", run: commands.insertNewlineAndIndent },
    { key: "ArrowUp", run: (ev) => line(ev).number === 1 && walk(ev, +1) },
    { key: "ArrowDown", run: (ev) => line(ev).number === ev.state.doc.lines && walk(ev, -1) },
    { key: "Tab", run: tab },
    { key: "Shift-Tab", run: commands.indentLess },
  ];
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: CSS });
  const parent = Object.assign(document.createElement("div"), { className: "cm-host cm-prompt" });
  root.replaceChildren(link, parent);
  const ev = new EditorView({
    parent, root,
    state: EditorState.create({
      extensions: [
        commands.history(), view.drawSelection(), language.indentOnInput(), language.bracketMatching(),
        language.syntaxHighlighting(language.defaultHighlightStyle, { fallback: true }),
        language.indentUnit.of("    "), EditorState.tabSize.of(4), python(),
        Prec.highest(keymap.of(keys)),
        keymap.of([...commands.defaultKeymap, ...commands.historyKeymap]),
        EditorView.contentAttributes.of({ "aria-label": hooks.label, "aria-multiline": "true" }),
      ],
    }),
  });
  return {
    focus: () => ev.focus(),
    text: () => ev.state.doc.toString(),
    /** Put `text` in the prompt (an example), cursor at its end. */
    set: (text) => { back = -1; set(ev, text); },
    label: (text) => ev.contentDOM.setAttribute("aria-label", text),
  };
}
