// Output comparison for the formatter's tests: whitespace runs count as one space outside
// <pre> and <textarea> (compared exactly there); the edges are trimmed.
export function normalize(out: string): string {
  const parts = out.split(/(<(pre|textarea)\b[\s\S]*?<\/\2\s*>)/i);
  let s = '';
  for (let i = 0; i < parts.length; i++) {
    if (i % 3 === 1) s += parts[i];
    else if (i % 3 === 0) s += parts[i]!.replace(/\s+/g, ' ');
  }
  return s.trim();
}
