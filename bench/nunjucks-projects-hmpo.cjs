// hmpo-components' own render calls, for bench/nunjucks-projects.mjs: its component specs
// (components/**/spec.*.js, mocha) run with a `render` that records what each test renders
// (the page hmpo-nunjucks-test's renderer writes: `{% from "<kebab-name>/macro.njk" import
// name %}{{ name(ctx, params) }}`, a call block, a string or a template, and the context it
// builds: `translate` giving `[key]`, or its test locale's text for `render.withLocale`, and
// `ctx(key)` reading the context) and stops that test there; its assertions are not run.
// sinon (not installed) is the part its specs use: stub() with returnsArg and withArgs().returns.
'use strict';
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const get = (o, k) => String(k).split('.').reduce((a, p) => (a == null ? undefined : a[p]), o);

/** Every render call of the specs under `root`: { spec, name, page, ctx }. */
module.exports = function hmpoRenderCalls(root) {
  const locale = JSON.parse(readFileSync(join(root, 'test/locale.json'), 'utf8'));
  const calls = [];
  const STOP = new Error('recorded');
  const recorder = (realistic) => (options, context = {}) => {
    if (typeof options === 'string') options = { template: options };
    const holder = {};
    context = Object.assign({
      translate: (key, o = {}) => {
        o = Object.assign({ self: true }, o);
        if (realistic) {
          const keys = Array.isArray(key) ? key : [key];
          return keys.reduce((s, k) => s || get(locale, k), null) || o.default || (o.self && keys[0]);
        }
        return '[' + (Array.isArray(key) ? key[0] : key) + ']';
      },
      ctx: (key) => (key ? get(holder.context, key) : holder.context),
    }, context);
    holder.context = context;
    let page;
    if (options.template) page = `{% extends "${options.template}" %}`;
    else if (options.string) page = options.string;
    else {
      const file = options.component.replace(/([A-Z])/g, (l) => '-' + l.toLowerCase()) + '/macro.njk';
      const args = [...(options.ctx ? ['ctx'] : []), ...(options.params ? [JSON.stringify(options.params, null, ' ')] : [])];
      const call = `${options.component}(${args.join(',')})`;
      page = `{% from "${file}" import ${options.component} %}` + (options.caller ? `{% call ${call} %}${options.caller}{% endcall %}` : `{{ ${call} }}`);
    }
    calls.push({ page, ctx: context });
    throw STOP;
  };
  // (mocha's and the specs' globals, for the specs' run only)
  const names = ['render', 'expect', 'sinon', 'describe', 'it', 'beforeEach', 'afterEach'];
  const saved = names.map((n) => [n, Object.getOwnPropertyDescriptor(globalThis, n)]);
  const tests = [];
  let befores = [];
  const anything = () => new Proxy(function () {}, { get: () => anything(), apply: () => anything() });
  const stub = () => {
    let argIndex = null;
    const answers = [];
    const f = (...a) => {
      const hit = answers.find((x) => x.args.every((v, i) => v === a[i]));
      return hit ? hit.value : argIndex === null ? undefined : a[argIndex];
    };
    f.returnsArg = (i) => ((argIndex = i), f);
    f.withArgs = (...args) => ({ returns: (value) => (answers.push({ args, value }), f) });
    return f;
  };
  Object.assign(globalThis, {
    render: Object.assign(recorder(false), { withLocale: recorder(true) }),
    expect: anything,
    sinon: { stub },
    describe: (_, f) => { const outer = befores.slice(); f(); befores = outer; },
    beforeEach: (f) => befores.push(f),
    afterEach: () => {},
    it: (name, f) => tests.push({ name, f, befores: befores.slice() }),
  });
  try {
    const specs = [];
    (function walk(d) {
      for (const e of readdirSync(d).sort()) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/^spec\..*\.js$/.test(e)) specs.push(p);
      }
    })(join(root, 'components'));
    for (const spec of specs) {
      const start = tests.length;
      require(spec);
      for (const t of tests.slice(start)) {
        const before = calls.length;
        try {
          for (const b of t.befores) b.call({});
          t.f.call({});
        } catch {
          // (recorded, or a test that needs sinon)
        }
        for (const c of calls.slice(before)) Object.assign(c, { spec: relative(root, spec), name: t.name });
      }
    }
  } finally {
    for (const [n, d] of saved) if (d) Object.defineProperty(globalThis, n, d); else delete globalThis[n];
  }
  return calls;
};
