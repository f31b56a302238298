// Nunjucks' `throwOnUndefined`: its only check is on output. `{{ x }}` of null or undefined
// fails ("attempted to output null or undefined value", with the tag's line and column, as
// Nunjucks' ensureDefined says it); reading, testing (`is defined`) and `default` stay lenient.

export function njkDefined<T>(v: T, line: number, col: number): T {
  if (v === null || v === undefined) throw new Error(`attempted to output null or undefined value [Line ${line}, Column ${col}]`);
  return v;
}
