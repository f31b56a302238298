// Output comparison for the formatter's tests: whitespace runs count as one space outside
// <pre> and <textarea> (compared exactly there, a <pre> may hold another); edges trimmed.
export function normalize(out: string): string {
  const tags = /<(\/?)(pre|textarea)\b[^>]*>?/gi;
  let s = '';
  let from = 0;
  let open: { at: number; name: string; depth: number } | null = null;
  const loose = (t: string) => t.replace(/\s+/g, ' ');
  for (let m = tags.exec(out); m; m = tags.exec(out)) {
    const name = m[2]!.toLowerCase();
    if (!open) {
      if (!m[1]) open = { at: m.index, name, depth: 1 };
    } else if (name === open.name) {
      open.depth += m[1] ? -1 : 1;
      if (open.depth === 0) {
        const end = m.index + m[0].length;
        s += loose(out.slice(from, open.at)) + out.slice(open.at, end);
        from = end;
        open = null;
      }
    }
  }
  s += open ? loose(out.slice(from, open.at)) + out.slice(open.at) : loose(out.slice(from));
  return s.trim();
}
