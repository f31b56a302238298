// A def, region or macro of a template that does not autoescape (autoescape off, or off for its
// name) gives its text as a plain string, as Jinja's macros do (Markup only where autoescape is
// on): an escaping template that imports it escapes what it prints, so text the def wrote raw
// (data included) never becomes markup there. Only such templates import this module.
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
