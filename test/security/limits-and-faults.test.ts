// Limits (deep nesting, long chains, large templates) and runtime faults (throwing getters,
// rejected promises, failing async sources, abandoned streams, concurrent renders).
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const compileError = (src: string) => {
  try {
    makeEnv().fromString(src);
  } catch (e) {
    return e as Error & { code?: string };
  }
  return null;
};

describe('limits', () => {
  it('10,000 nested blocks and long chains fail with a clear syntax error, not a stack overflow', () => {
    const cases = [
      '{% if x %}'.repeat(10_000) + 'a' + '{% end %}'.repeat(10_000),
      '{{ ' + '('.repeat(10_000) + '1' + ')'.repeat(10_000) + ' }}',
      '{{ ' + '-'.repeat(10_000) + '1 }}',
      '{{ x' + '.a'.repeat(10_000) + ' }}',
      '{{ 1' + ' + 1'.repeat(20_000) + ' }}',
    ];
    for (const src of cases) {
      const e = compileError(src);
      expect(e?.name).toBe('TemplateSyntaxError');
      expect(e?.code).toBe('K-PAR-007');
    }
  });
  it('a large template compiles, and one beyond the token limit fails clearly', () => {
    const src = '{{ x }} hello {% for i in xs %}{{ i | upper }}{% end %}\n'.repeat(4_000); // ~220 KB, ~80k tokens (the reference's limit is 100k)
    const t = makeEnv().fromString(src);
    expect(t.render({ x: 1, xs: ['a'] }).length).toBe('1 hello A\n'.length * 4_000);
    const e = compileError('{{ x }}'.repeat(1_500_000)); // 10.5 MB
    expect(e?.code).toBe('K-LEX-004');
  }, 60_000);
});

describe('runtime faults', () => {
  const env = makeEnv({ 'p.html': 'ok {{ a }}\n{{ obj.boom }}\n' });
  it('a throwing getter names the template and line, and the template stays usable', () => {
    const obj = Object.defineProperty({}, 'boom', { get() { throw new Error('getter failed'); }, enumerable: true });
    const t = env.getTemplate('p.html');
    let err: any;
    try {
      t.render({ a: 1, obj });
    } catch (e) {
      err = e;
    }
    expect(err.templateName).toBe('p.html');
    expect(err.lineno).toBe(2);
    expect(err.cause.message).toBe('getter failed');
    expect(t.render({ a: 2, obj: { boom: 'fine' } })).toBe('ok 2\nfine\n');
  });
  it('a rejected promise and a failing async source surface with their line after earlier chunks', async () => {
    const t = makeEnv().fromString('head\n{% async for x in xs %}{{ x }}{% end %}\n{{ await p }}');
    async function* xs() {
      yield 1;
      throw new Error('source broke');
    }
    const got: string[] = [];
    await expect(async () => {
      for await (const c of t.renderStreamAsync({ xs: xs(), p: Promise.resolve(1) })) got.push(c);
    }).rejects.toThrow(/source broke/);
    expect(got.join('')).toBe('head\n1');
    await expect(t.renderAsync({ xs: [], p: Promise.reject(new Error('nope')) })).rejects.toMatchObject({ lineno: 3 });
  });
  it('an abandoned stream closes the generator and runs finally blocks', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const t = makeEnv().fromString('{% async for x in xs %}{{ x }},{% end %}');
    const it = t.renderStreamAsync({ xs: source() });
    await it.next();
    await it.next();
    await it.return(undefined);
    expect(closed).toBe(true);
  });
  it('a throwing custom filter names the template and line', () => {
    const e2 = makeEnv({}, { filters: { bad: () => { throw new TypeError('bad filter'); } } });
    let err: any;
    try {
      e2.fromString('\n\n{{ 1 | bad }}', { name: 'f.html' }).render();
    } catch (e) {
      err = e;
    }
    expect(err.templateName).toBe('f.html');
    expect(err.lineno).toBe(3);
  });
  it('1,000 interleaved async renders never mix output', async () => {
    const t = makeEnv().fromString('{% for i in 1..3 %}[{{ id }}:{{ await later(id) }}]{% end %}');
    const later = (v: number) => new Promise((r) => setTimeout(() => r(v), Math.random() * 5));
    const outs = await Promise.all(Array.from({ length: 1000 }, (_, id) => t.renderAsync({ id, later })));
    outs.forEach((o, id) => expect(o).toBe(`[${id}:${id}]`.repeat(3)));
  });
});
