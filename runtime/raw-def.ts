// A def of a template without autoescape returns plain text, as Jinja's macros do: a template
// importing it escapes it. Only such templates import this module.
import type { CallerFn, KidaDef } from './template.js';

export function rawDef(f: KidaDef): KidaDef {
  const invoke = (args: unknown[], caller: CallerFn | null) => {
    const r = f.invoke(args, caller) as unknown;
    return (r instanceof Promise ? r.then(String) : String(r)) as never;
  };
  const g = ((...args: unknown[]) => invoke(args, null)) as unknown as KidaDef;
  g.kidaDef = f.kidaDef;
  g.invoke = invoke;
  return g;
}
