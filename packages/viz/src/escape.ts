/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON that is safe inside an inline `<script>` element: `<`, `>`, `&` and the JS line
 * separators are written as \u escapes, so neither `</script>` nor `<!--` can end or alter the
 * script block, and the result is still valid JSON/JS.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Third-party JavaScript made safe to inline in a `<script>` element. `</script` and `<!--`
 * only occur inside string or regex literals in real code, where `<\/script` and `<\!--` mean
 * the same thing.
 */
export function scriptForInline(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
