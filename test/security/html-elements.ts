// parse5's view of rendered HTML, for the red-team suites that judge output by what a browser builds.
import { parseFragment } from 'parse5';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; content?: Node };
export type Attr = { name: string; value: string };

/** Every element as [name, its attributes] (template contents too). */
export function elements(html: string): [string, Attr[]][] {
  const out: [string, Attr[]][] = [];
  const walk = (n: Node) => {
    if (n.attrs) out.push([n.nodeName, n.attrs]);
    for (const c of n.childNodes ?? []) walk(c);
    if (n.content) walk(n.content);
  };
  walk(parseFragment(html) as unknown as Node);
  return out;
}
