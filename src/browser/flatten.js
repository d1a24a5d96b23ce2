// Serialises the rendered document as HTML, as a person sees it: an element
// with an open shadow root is written with its shadow content (slots
// replaced by what is assigned to them), not with its light children.
// Stops at `max` characters and says so. Called with `max` by render.rs.
(max) => {
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
  const out = [];
  let size = 0;
  let truncated = false;
  const push = (s) => {
    if (truncated) return;
    size += s.length;
    if (size > max) { truncated = true; return; }
    out.push(s);
  };
  const text = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const attribute = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const children = (node) => { for (const child of node.childNodes) { if (truncated) return; walk(child); } };
  const walk = (node) => {
    if (truncated) return;
    if (node.nodeType === 1) {
      const tag = node.localName;
      if (tag === 'slot' && node.assignedNodes) {
        const assigned = node.assignedNodes({ flatten: true });
        if (assigned.length) { for (const n of assigned) walk(n); return; }
        children(node);
        return;
      }
      let open = '<' + tag;
      for (const a of node.attributes) open += ' ' + a.name + '="' + attribute(a.value) + '"';
      push(open + '>');
      if (VOID.has(tag)) return;
      if (tag === 'template') children(node.content);
      else if (node.shadowRoot) children(node.shadowRoot);
      else children(node);
      push('</' + tag + '>');
    } else if (node.nodeType === 3) {
      const parent = node.parentNode && node.parentNode.localName;
      const raw = parent === 'script' || parent === 'style';
      push(raw ? node.data.replace(/<\//g, '<\\/') : text(node.data));
    } else if (node.nodeType === 8) {
      push('<!--' + node.data.replace(/--/g, '- -') + '-->');
    } else if (node.nodeType === 9 || node.nodeType === 11) {
      children(node);
    }
  };
  push('<!DOCTYPE html>');
  if (document.documentElement) walk(document.documentElement);
  return { html: out.join(''), truncated, size, url: location.href };
}
