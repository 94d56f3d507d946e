/**
 * The Fortran fixed-width edit descriptors used by AMBER files: `%FORMAT(10I8)`, `(5E16.8)`,
 * `(20a4)`, `(1a80)`, `(F12.7)`, and a repeat group of one descriptor such as `(8(F9.5))` (CMAP
 * sections), which means `8F9.5`. Each data line holds up to `count` fields of `width` characters.
 */

/** A parsed Fortran edit descriptor. */
export interface FortranFormat {
  /** Fields per line. */
  count: number;
  /** Field kind: a = text, i = integer, e/f/d/g = real. */
  kind: 'a' | 'i' | 'e' | 'f' | 'd' | 'g';
  /** Characters per field. */
  width: number;
  /** Digits after the decimal point (reals), informational. */
  decimals?: number;
}

/** `8(F9.5)`: a repeat count, then one descriptor in parentheses. */
const REPEAT_GROUP = /^\s*\(?\s*(\d+)\s*\(([^()]*)\)\s*\)?\s*$/;
const DESCRIPTOR = /^\s*\(?\s*(\d*)\s*([aAiIeEfFdDgG])\s*(\d+)(?:\.(\d+))?\s*\)?\s*$/;

/** Parse a descriptor such as "10I8", "(5E16.8)" or "a80". Returns undefined when it is not one. */
export function parseFortranFormat(spec: string): FortranFormat | undefined {
  const group = REPEAT_GROUP.exec(spec);
  if (group) {
    const inner = parseFortranFormat(group[2]!);
    return inner && { ...inner, count: Number(group[1]) * inner.count };
  }
  const m = DESCRIPTOR.exec(spec);
  if (!m) return undefined;
  const count = m[1] ? Number(m[1]) : 1;
  const width = Number(m[3]);
  if (count <= 0 || width <= 0) return undefined;
  const f: FortranFormat = { count, kind: m[2]!.toLowerCase() as FortranFormat['kind'], width };
  if (m[4] !== undefined) f.decimals = Number(m[4]);
  return f;
}

/**
 * Split one data line into its fixed-width fields. Fields past the end of the line are absent
 * (AMBER writes a short last line); trailing blanks are ignored.
 */
export function splitFixedWidth(line: string, format: FortranFormat, out: string[]): void {
  const text = line.replace(/\s+$/, '');
  const limit = Math.min(text.length, format.count * format.width);
  for (let at = 0; at < limit; at += format.width) out.push(text.slice(at, at + format.width));
}

/** Parse a Fortran real field, accepting the "D" exponent. NaN when it is not a number. */
export function parseFortranReal(field: string): number {
  const s = field.trim();
  if (s === '') return Number.NaN;
  return Number(s.replace(/[dD]/, 'e'));
}

/** Parse a Fortran integer field. NaN when it is not an integer. */
export function parseFortranInt(field: string): number {
  const s = field.trim();
  if (!/^[+-]?\d+$/.test(s)) return Number.NaN;
  return Number(s);
}
