// `{% defer %}` at run time (compiler/defer.ts; docs/guide/streaming.md "Out-of-order streaming").
// Only modules of templates that defer import this file, so other bundles carry none of it.
//
// A part whose values are all ready (or a render that cannot wait: render, renderStream) is
// written in place. In the async renders a pending part is handed to the render's Parts:
// - renderStreamAsync: the page gets `<kida-defer id=…>placeholder</kida-defer>` and goes on; once
//   the part resolves, and the page's HTML is between tags, it is sent as
//   `<template id=…-t>part</template><script>kidaDefer(…)</script>`; the first such script also
//   defines kidaDefer, which swaps the template's content for the placeholder element.
// - renderAsync: the page gets a NUL-delimited mark, replaced by the part's text at the end.
// So every render method gives the same document once the browser has run the scripts.

import { TemplateRuntimeError } from './errors.js';
import { escapeString } from './markup.js';
import { getRenderMeta } from './meta.js';
import { catchable } from './ops.js';
import { useDeferDriver, wrapError, type RenderState, type SourceOf } from './template.js';
import { observe } from './values.js';

type Text = string | Promise<string>;
type Settled = { id: number; text: string; err?: unknown };

const isThen = (v: unknown): v is PromiseLike<unknown> => v != null && typeof (v as PromiseLike<unknown>).then === 'function';

/**
 * Swaps a part's template content for its placeholder element and removes the calling script.
 * A part whose placeholder is not in the document yet (it is inside a part still to come) waits
 * in `q` and is retried after each move; one whose placeholder never arrives (discarded by a
 * `{% try %}` that failed) stays an inert template.
 */
const MOVER =
  'function kidaDefer(i){var d=document,t=d.querySelector("template#"+i+"-t"),p=d.querySelector("kida-defer#"+i),q=kidaDefer.q=kidaDefer.q||[],s=d.currentScript;' +
  's&&s.remove();if(!t)return;if(!p){q.push(i);return}p.replaceWith(t.content);t.remove();q.splice(0).forEach(kidaDefer)}';
// (looked up with their tag names: an element whose id comes from data, `<a id="kida-defer-1">`,
// is never taken for a part's template or placeholder; data cannot make either element)
const SHOWN = /<kida-defer id="kida-defer-(\d+)">/g;
/** Parts in one render at most: a recursion through parts (a def deferring a call of itself) would never end. */
const MAX_PARTS = 100_000;

/** One render's deferred parts. */
class Parts {
  n = 0;
  /** Parts registered and not settled yet. */
  out = 0;
  /** Settled parts whose placeholder was not sent yet, by id. */
  private held = new Map<number, Settled>();
  /** Settled parts ready to go (their placeholder was sent), and failed parts. */
  private queue: Settled[] = [];
  /** The text of each settled part not sent yet, by id (renderAsync and inline parts fill marks with it). */
  private texts = new Map<number, string>();
  private wake: (() => void) | null = null;
  moverSent = false;
  check: ((size: number) => void) | null = null;
  /** Sandboxed: clears the render's deadline timer once the parts are done. */
  end: (() => void) | null = null;
  /** Characters of page and parts (the sandbox's maxOutputSize counts both, as parts are built). */
  size = 0;
  /** The render ended, failed or went over a limit: parts that have not rendered yet never will. */
  closed = false;
  /** Set by `stop` (with its error): a part still running gets '' from its next defer. */
  stopped: { err: unknown } | null = null;
  /** renderAsync's marks carry a token of this render, so data holding a mark stays data. */
  private key = Math.floor(Math.random() * 2 ** 52).toString(36) + Math.floor(Math.random() * 2 ** 52).toString(36);
  constructor(
    readonly stream: boolean,
    readonly nonce: string,
  ) {}

  /** Refuses a part past MAX_PARTS (before its work starts), past every `try`, as the recursion limits do. */
  room(name: string, line: number): void {
    if (this.n < MAX_PARTS) return;
    const e = new TemplateRuntimeError(`More than ${MAX_PARTS} {% defer %} parts in one render: is a def deferring a call of itself?`, 'K-RUN-006', {
      templateName: name,
      lineno: line,
    });
    e.unwinding = () => true;
    throw e;
  }
  /** A part of a template that does not escape for HTML was registered: renderStreamAsync holds the page back from there and fills it in order. */
  inline = false;
  add(task: Promise<string>, ph: () => Text, inline: boolean): Text {
    const id = ++this.n;
    this.out++;
    task.then(
      (text) => this.settle({ id, text }),
      (err) => this.settle({ id, text: '', err: err ?? new Error(String(err)) }),
    );
    if (inline) this.inline = true;
    if (!this.stream || inline) return `\u0000kida-defer:${this.key}:${id}\u0000`;
    const open = `<kida-defer id="kida-defer-${id}">`;
    const p = ph();
    return typeof p === 'string' ? open + p + '</kida-defer>' : p.then((s) => open + s + '</kida-defer>');
  }
  /**
   * Closes at once on an error no `try` catches (a limit, a refused part): parts queued behind it
   * in the microtask queue start no work (settle would close only after them, a whole wave of an
   * exponential fan-out later). The error is queued so the render fails with it.
   */
  stop(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.stopped = { err };
    this.queue.push({ id: 0, text: '', err });
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  private settle(s: Settled): void {
    this.out--;
    if (!this.closed) {
      if (s.err === undefined)
        try {
          this.check?.((this.size += s.text.length));
        } catch (e) {
          s = { id: s.id, text: '', err: e };
        }
      if (s.err !== undefined) this.closed = true; // (the render fails with it: nothing more is built)
      else this.texts.set(s.id, s.text);
      if (s.err !== undefined || this.shown.has(s.id)) this.queue.push(s);
      else this.held.set(s.id, s);
    }
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  /** Resolves when a part settles. */
  settled(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }
  /** Placeholders sent so far, in the page or in parts. */
  private shown = new Set<number>();
  note(text: string): void {
    if (text.includes('<kida-defer'))
      for (const m of text.matchAll(SHOWN)) {
        const id = +m[1]!;
        this.shown.add(id);
        const s = this.held.get(id);
        if (s) this.held.delete(id), this.queue.push(s);
      }
  }
  /** A settled part that can go: its placeholder was sent (a failed part's error goes at once). */
  get due(): boolean {
    return this.queue.length > 0;
  }
  /** Settled parts not sent yet. */
  get waiting(): boolean {
    return this.held.size > 0 || this.queue.length > 0;
  }
  /** The first failed part's error, if any. */
  get failed(): unknown {
    return this.queue.find((s) => s.err !== undefined)?.err;
  }
  /**
   * The due parts as one chunk of templates and mover scripts (a failed part's error is thrown).
   * A part whose placeholder never left (a `{% try %}` around it failed) is never sent. Each part
   * is looked at once: sending one makes the parts whose placeholders it holds due.
   */
  take(): string {
    let out = '';
    const nonce = this.nonce ? ` nonce="${escapeString(this.nonce)}"` : '';
    for (let i = 0; i < this.queue.length; i++) {
      const s = this.queue[i]!;
      if (s.err !== undefined) throw s.err;
      this.note(s.text);
      this.texts.delete(s.id);
      const id = `kida-defer-${s.id}`;
      out += `<template id="${id}-t">${s.text}</template><script${nonce}>${this.moverSent ? '' : MOVER + ';'}kidaDefer("${id}")</script>`;
      this.moverSent = true;
    }
    this.queue = [];
    return out;
  }
  /**
   * renderAsync: the marks replaced by their parts' text (parts hold the marks of parts inside
   * them). Each mark is filled once, without recursion: linear in the result.
   */
  fill(text: string): string {
    const mark = new RegExp(`\u0000kida-defer:${this.key}:(\\d+)\u0000`, 'g');
    const out: string[] = [];
    const stack: { t: string; at: number }[] = [{ t: text, at: 0 }];
    const used = new Set<number>();
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      mark.lastIndex = top.at;
      const m = mark.exec(top.t);
      if (!m) {
        out.push(top.t.slice(top.at));
        stack.pop();
        continue;
      }
      out.push(top.t.slice(top.at, m.index));
      top.at = mark.lastIndex;
      const id = +m[1]!;
      if (!used.has(id)) used.add(id), stack.push({ t: this.texts.get(id) ?? '', at: 0 });
    }
    return out.join('');
  }
}

const partsOf = (R: RenderState): Parts | undefined => (R.shared as { defer?: Parts }).defer;

/**
 * `{% defer %}`: the part's text in place, or (a pending part in an async render) its
 * placeholder or mark. `vals` evaluates the tag's values; `body` renders the part with them;
 * `ph` the placeholder; `fb` the fallback given the error (null: a failed part keeps `ph`).
 * An error `{% try %}` would catch falls back; any other propagates (the render fails).
 */
export function defer(
  R: RenderState,
  env: SourceOf & { sandbox?: { checkOutput(n: number): void; wait(R: RenderState, v: unknown): unknown; due(R: RenderState): void; end(R: RenderState): void } },
  vals: () => unknown[] | Promise<unknown[]>,
  body: (...v: unknown[]) => Text,
  ph: () => Text,
  fb: ((e: unknown) => Text) | null,
  name: string,
  line: number,
  inline?: 1,
): Text {
  const parts = partsOf(R);
  // (sandboxed: the clock is read before each part starts, as a loop reads it per iteration; past
  // the limit the parts close at once, so those queued behind start nothing, not even an error)
  const due = (): void => {
    try {
      env.sandbox?.due(R);
    } catch (e) {
      throw (parts?.stop(e), e);
    }
  };
  // (a part still running after the render stopped adds nothing: no part, and no error to carry
  // up through its defs, whose frames each error collects; the render fails with the first)
  if (parts?.stopped) return '';
  due();
  if (parts) {
    parts.room(name, line);
    if (env.sandbox) (parts.check ??= (n) => env.sandbox!.checkOutput(n)), (parts.end ??= () => env.sandbox!.end(R));
  }
  const fail = (e: unknown): Text => {
    e = wrapError(e, name, line, env); // (a rejected data source becomes a runtime error, as a def's would)
    if (!catchable(e, R)) throw (parts?.stop(e), e);
    return fb ? fb(e) : ph();
  };
  let v: unknown[] | Promise<unknown[]>;
  try {
    v = vals();
    if (!isThen(v) && !v.some(isThen)) {
      const out = body(...v);
      if (!isThen(out)) return out;
      // (an async template's part: deferred when the render streams, awaited in place otherwise)
      const task = out.then(undefined, fail);
      return parts?.stream && !inline ? parts.add(task, ph, false) : task;
    }
  } catch (e) {
    return fail(e);
  }
  if (!parts) {
    observe(v);
    if (Array.isArray(v)) v.forEach((x) => observe(x));
    throw new TemplateRuntimeError(
      `{% defer %} at line ${line} waits for a promise: render with renderAsync() or renderStreamAsync()`,
      'K-RUN-007',
      { templateName: name, lineno: line },
    );
  }
  const provided = R.shared.provided && new Map([...R.shared.provided].map(([k, s]) => [k, [...s]]));
  const all = Promise.resolve(v).then((a) => Promise.all(a));
  // (sandboxed: the wait ends at the render's maxRenderTime, as every other wait does)
  const task = (env.sandbox ? (env.sandbox.wait(R, all) as typeof all) : all)
    .then((a) => (parts.closed ? '' : (due(), provided ? asProvided(R, provided, () => body(...a)) : body(...a))))
    .then(undefined, fail);
  return parts.add(task, ph, !!inline);
}

/**
 * Runs a part that renders after the page moved on with the `{% provide %}` values of its tag,
 * so `consume()` reads what it would in order. (An async template's part sees them until its
 * first await.)
 */
function asProvided(R: RenderState, provided: Map<string, unknown[]>, f: () => Text): Text {
  const now = R.shared.provided;
  R.shared.provided = provided;
  try {
    return f();
  } finally {
    R.shared.provided = now;
  }
}

/** A copy of a loop object for a part that renders after the loop has moved on. */
export function cloneLoop<T extends object>(loop: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(loop) as object) as T, loop);
}

/** Installs the async renders' part driver (compiled modules that defer call it once). */
export function useDefer(): void {
  useDeferDriver((R, chunks, stream) => {
    const parts = new Parts(stream, String(getRenderMeta('csp_nonce', '') ?? ''));
    (R.shared as { defer?: Parts }).defer = parts;
    return stream ? streamParts(parts, chunks) : textParts(parts, chunks);
  });
}

async function* textParts(parts: Parts, chunks: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  try {
    let text = '';
    for await (const c of chunks) text += c;
    if (!parts.n) return yield text;
    parts.check?.((parts.size += text.length));
    for (;;) {
      const e = parts.failed;
      if (e !== undefined) throw e;
      if (!parts.out) break;
      await parts.settled();
    }
    yield parts.fill(text);
  } finally {
    parts.closed = true;
    parts.end?.();
  }
}

/**
 * The page's chunks as they come, and each part once it has settled and the page is between
 * tags (so a part never lands inside a tag, a comment or a script); the rest after the page.
 * A page that is waiting (an `await` of its own) does not hold back a ready part.
 */
async function* streamParts(parts: Parts, chunks: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  const it = chunks[Symbol.asyncIterator]();
  const html = new Between();
  let next: Promise<{ r: IteratorResult<string, void> }> | null = null;
  let done = false;
  /** The page from an inline part's mark on (filled in order once every part settled). */
  let held = '';
  try {
    for (;;) {
      if (parts.due && (done || html.ok)) {
        yield parts.take();
        continue;
      }
      if (done) {
        if (!parts.out) {
          if (!held) return;
          const text = parts.fill(held);
          held = '';
          parts.note(text);
          yield text;
          continue;
        }
        await parts.settled();
        continue;
      }
      const step = (next ??= it.next().then((r) => ({ r })));
      const got = parts.out ? await Promise.race([step, parts.settled()]) : await step;
      if (!got) continue;
      next = null;
      if (got.r.done) {
        done = true;
        continue;
      }
      const c = got.r.value;
      parts.check?.((parts.size += c.length));
      if (parts.inline) {
        held += c;
        continue;
      }
      if (parts.n) {
        parts.note(c);
        // (while no part is on its way, where the HTML stands does not matter)
        if (parts.out || parts.waiting) html.push(c);
        else html.off();
      }
      yield c;
    }
  } finally {
    parts.closed = true;
    parts.end?.();
    if (!done) await it.return?.();
  }
}

/** What ends the inside of a tag, or starts a quoted value in it. */
const TAG_STOP = /["'>]/g;
const isLetter = (ch: string): boolean => (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
/** Raw-text and RCDATA elements: a part cannot be sent inside them. */
const RAW = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

/**
 * Whether the page's HTML so far ends between tags (`ok`), from a scan of its text. It starts at
 * a placeholder (`</kida-defer>` ends in text state) and stops while no part is on its way, and
 * chunks are scanned only when a part is ready to go: a page whose parts arrive after its end, or
 * at once, is never scanned. A scan is linear in the text. (Exported for its tests only.)
 */
export class Between {
  private on = false;
  private st: 'text' | 'lt' | 'name' | 'tag' | 'dq' | 'sq' | 'bang' | 'bang1' | 'comment' | 'raw' = 'text';
  private name = '';
  private end = '';
  private m = 0;
  private held: string[] = [];
  get ok(): boolean {
    if (!this.on) return false;
    for (const c of this.held.splice(0)) this.scan(c);
    return this.st === 'text';
  }
  push(c: string): void {
    if (this.on) this.held.push(c);
    else {
      const at = c.lastIndexOf('</kida-defer>');
      if (at < 0) return;
      this.on = true;
      this.st = 'text';
      this.held = [c.slice(at + 13)];
    }
  }
  off(): void {
    this.on = false;
    this.held = [];
  }
  private scan(c: string): void {
    for (let i = 0; i < c.length; i++) {
      const ch = c[i]!;
      switch (this.st) {
        case 'text':
        case 'dq':
        case 'sq': {
          // (the common states skip to the one character that ends them)
          const j = c.indexOf(this.st === 'text' ? '<' : this.st === 'dq' ? '"' : "'", i);
          if (j < 0) return;
          i = j;
          this.st = this.st === 'text' ? 'lt' : 'tag';
          break;
        }
        case 'lt':
          if (isLetter(ch)) {
            this.st = 'name';
            this.name = ch.toLowerCase();
          } else if (ch === '!') this.st = 'bang';
          else if (ch === '/' || ch === '?') {
            this.st = 'tag';
            this.name = '';
          } else {
            this.st = 'text';
            i--;
          }
          break;
        case 'name':
          if (isLetter(ch) || (ch >= '0' && ch <= '9') || ch === '-' || ch === '_') this.name += ch.toLowerCase();
          else {
            this.st = 'tag';
            i--;
          }
          break;
        case 'tag':
          TAG_STOP.lastIndex = i;
          if (!TAG_STOP.exec(c)) return;
          i = TAG_STOP.lastIndex - 1;
          if (c[i] === '"') this.st = 'dq';
          else if (c[i] === "'") this.st = 'sq';
          else {
            this.st = RAW.has(this.name) ? 'raw' : 'text';
            this.end = `</${this.name}`;
            this.m = 0;
          }
          break;
        case 'bang':
          this.name = '';
          this.st = ch === '-' ? 'bang1' : ch === '>' ? 'text' : 'tag';
          break;
        case 'bang1':
          this.st = ch === '-' ? 'comment' : ch === '>' ? 'text' : 'tag';
          this.m = 0;
          break;
        case 'comment':
          if (ch === '>' && this.m >= 2) this.st = 'text';
          this.m = ch === '-' ? this.m + 1 : 0;
          break;
        case 'raw':
          // (the end tag `</name`, any case, split across chunks or not)
          this.m = ch.toLowerCase() === this.end[this.m] ? this.m + 1 : ch === '<' ? 1 : 0;
          if (this.m === this.end.length) {
            this.st = 'tag';
            this.name = '';
          }
          break;
      }
    }
  }
}
