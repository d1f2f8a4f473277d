// The page's small DOM and SVG helpers. Attributes go in with setAttribute and text only ever
// through textContent, never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function make(e, attrs, parent, text) {
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== null && text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/** An HTML element with attributes and optional text, appended to parent if given. */
export function h(tag, attrs = {}, parent = null, text = null) {
  return make(document.createElement(tag), attrs, parent, text);
}

/** An SVG element with attributes and optional text, appended to parent if given. */
export function svg(tag, attrs = {}, parent = null, text = null) {
  return make(document.createElementNS(SVG_NS, tag), attrs, parent, text);
}

/** Set e's text only when it differs: an unchanged text costs the page no layout. */
export function setText(e, value) {
  if (e.textContent !== value) e.textContent = value;
}

/** While `box` scrolls sideways (its content is wider than it) it is a tab stop, so arrow keys
 *  can scroll it, and a group named by the element labelId (which says that it scrolls); while
 *  it does not, it is neither. onChange(scrolls): after each size change. */
export function sidewaysScroll(box, labelId, onChange = null) {
  const attrs = { tabindex: "0", role: "group", "aria-labelledby": labelId };
  new ResizeObserver(() => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    for (const k in attrs) scrolls ? box.setAttribute(k, attrs[k]) : box.removeAttribute(k);
    onChange?.(scrolls);
  }).observe(box);
}
