// Render-context metadata (HTMX and security helpers): a render keeps the metadata that was
// current when it started, through awaits, streamed chunks, includes and concurrent renders.
import { describe, expect, it } from 'vitest';
import { withRenderMeta } from '../../runtime/index.js';
import { makeEnv } from '../support.js';

const later = <T>(v: T, ms = 2): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));
const env = () =>
  makeEnv({
    'frag.html': '[{{ hx_target() }}]',
    'async-frag.html': '[{{ await p }}:{{ hx_target() }}]',
  });

describe('render-context metadata', () => {
  it('is read by the HTMX and security globals, with defaults outside any metadata', () => {
    const t = env().fromString('{{ hx_request() }}|{{ hx_target() }}|{{ hx_boosted() }}|{{ csrf_token() }}|{{ csp_nonce() }}');
    expect(t.render()).toBe('False|None|False||');
    expect(withRenderMeta({ hx_request: true, hx_target: 'list', csrf_token: 't<1>', csp_nonce: 'n' }, () => t.render())).toBe(
      'True|list|False|<input type="hidden" name="csrf_token" value="t&lt;1&gt;">|n',
    );
  });

  it('holds across awaits in an async render started inside withRenderMeta', async () => {
    const t = env().fromString('{{ await p }}{{ hx_request() }}{% async for x in xs %}{{ hx_target() }}{% end %}');
    async function* xs() {
      yield await later(1);
      yield await later(2);
    }
    const pending = withRenderMeta({ hx_request: true, hx_target: 'T' }, () => t.renderAsync({ p: later('go'), xs: xs() }));
    expect(await pending).toBe('goTrueTT');
  });

  it('holds for a stream consumed after withRenderMeta has returned', async () => {
    const t = env().fromString('{% for i in [1, 2] %}{{ hx_target() }}{% end %}');
    const sync = withRenderMeta({ hx_target: 's' }, () => t.renderStream());
    expect([...sync].join('')).toBe('ss');
    const stream = withRenderMeta({ hx_target: 'a' }, () => t.renderStreamAsync());
    let out = '';
    for await (const c of stream) out += c;
    expect(out).toBe('aa');
  });

  it('reaches included templates, with or without context', async () => {
    const t = env().fromString('{% include "frag.html" %}{% include "frag.html" without context %}{% include "async-frag.html" %}');
    expect(await withRenderMeta({ hx_target: 'inc' }, () => t.renderAsync({ p: later('p') }))).toBe('[inc][inc][p:inc]');
  });

  it('never leaks between concurrent renders', async () => {
    const t = env().fromString('{{ await p }}{{ hx_target() }}');
    const renders = Array.from({ length: 50 }, (_, i) =>
      withRenderMeta({ hx_target: `r${i}` }, () => t.renderAsync({ p: later('', (i * 7) % 5) })),
    );
    expect(await Promise.all(renders)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
  });
});
