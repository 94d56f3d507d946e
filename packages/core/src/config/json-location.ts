/** " at line L, column C" for a JSON.parse error that reports a position (or ends early); else "". */
export function jsonErrorLocation(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (pos === undefined || pos > text.length) return '';
  const before = text.slice(0, pos);
  return ` at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
}
