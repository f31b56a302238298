// The module's define call for the default registry, positional (issue #22, code size: the
// field names `name:`, `root:` and `requiredContext:` were ~28 bytes of every minified page):
// `$defineRegistered($NAME, root, "names", { other fields })`, the object left out when empty
// (runtime/registered.ts). A spec whose fields this does not recognize stays an object.

/** The spec literal's top-level `key: value` fields, or null (a getter, a shorthand). */
function fields(spec: string): [string, string][] | null {
  if (!spec.startsWith('{ ') || !spec.endsWith(' }')) return null;
  const body = spec.slice(2, -2);
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') {
      // (JSON strings: the compiler writes every string field with JSON.stringify)
      for (i++; body[i] !== '"'; i++) if (body[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0 && body[i + 1] === ' ') {
      out.push(body.slice(from, i));
      from = i + 2;
    }
  }
  out.push(body.slice(from));
  const pairs: [string, string][] = [];
  for (const f of out) {
    const m = /^(\w+): ([^]*)$/.exec(f);
    if (!m) return null;
    pairs.push([m[1]!, m[2]!]);
  }
  return pairs;
}

/** The arguments of `$defineRegistered(…)` for a spec literal, or the literal itself. */
export function registeredArgs(spec: string): string {
  const f = fields(spec);
  const get = (k: string) => f?.find(([key]) => key === k)?.[1];
  const name = get('name');
  const root = get('root');
  const names = get('requiredContext');
  if (!f || name === undefined || root === undefined || names === undefined) return spec;
  const rest = f.filter(([k]) => k !== 'name' && k !== 'root' && k !== 'requiredContext');
  return `${name}, ${root}, ${names}${rest.length ? `, { ${rest.map(([k, v]) => `${k}: ${v}`).join(', ')} }` : ''}`;
}
