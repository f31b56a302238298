// The hand-written baseline of the reference workloads (issue #22), made as fast as we could:
// strings concatenated, an escaper with a fast path for strings that need nothing. Rather than
// trust one guess, every workload gets several candidates — eight escapers × two code shapes —
// and reference.mjs measures them all interleaved in its own process, then keeps the fastest
// per workload and data variant as "the baseline" (measured again, apart from the choice, so
// the pick's luck does not flatter it). Every candidate prints the same bytes as Kida.
//
// Each candidate is its own function, compiled from source with its escaper bound (new
// Function), so V8 keeps separate type feedback and inlining per candidate: closures made by one
// factory would share feedback and turn the escaper call megamorphic, which would slow them all.

// ---- escapers: all escape & < > " ' as Kida does (&amp; &lt; &gt; &quot; &#39;); take strings ----
// Their regular expressions and table are made once, not per call (a regex literal in a function
// body makes a new RegExp object every time it is evaluated); each fresh copy gets its own.
const CONSTANTS = `const RE = /[&<>"']/, REG = /[&<>"']/g, TABLE = []; TABLE[38] = '&amp;'; TABLE[60] = '&lt;'; TABLE[62] = '&gt;'; TABLE[34] = '&quot;'; TABLE[39] = '&#39;';`;
const { RE, REG, TABLE } = new Function(`${CONSTANTS} return { RE, REG, TABLE };`)();

/** escape-html's approach: scan char codes; nothing to escape returns the string itself. */
function escCharCode(s) {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34 || c === 39) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  let last = i;
  for (; i < s.length; i++) {
    let r;
    switch (s.charCodeAt(i)) {
      case 38: r = '&amp;'; break;
      case 60: r = '&lt;'; break;
      case 62: r = '&gt;'; break;
      case 34: r = '&quot;'; break;
      case 39: r = '&#39;'; break;
      default: continue;
    }
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** escape-html exactly: a regex finds the first special character, a char-code loop does the rest. */
function escHtml(s) {
  const m = RE.exec(s);
  if (!m) return s;
  let out = '';
  let last = 0;
  let i = m.index;
  for (; i < s.length; i++) {
    let r;
    switch (s.charCodeAt(i)) {
      case 34: r = '&quot;'; break;
      case 38: r = '&amp;'; break;
      case 39: r = '&#39;'; break;
      case 60: r = '&lt;'; break;
      case 62: r = '&gt;'; break;
      default: continue;
    }
    if (last !== i) out += s.slice(last, i);
    last = i + 1;
    out += r;
  }
  return last !== i ? out + s.slice(last) : out;
}

/** Eta's and Svelte's approach: a regex test, then replace with a map. */
function escRegex(s) {
  return RE.test(s) ? s.replace(REG, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;')) : s;
}

/** A native regex test as the fast path (plain strings), a char-code loop for the rest. */
function escTestLoop(s) {
  if (!RE.test(s)) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    let r;
    switch (s.charCodeAt(i)) {
      case 38: r = '&amp;'; break;
      case 60: r = '&lt;'; break;
      case 62: r = '&gt;'; break;
      case 34: r = '&quot;'; break;
      case 39: r = '&#39;'; break;
      default: continue;
    }
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** Kida's own (runtime/markup.ts): a global regex test whose lastIndex says where to start, then
 * a char-code scan that skips everything above `>` with one compare. */
function escTestFrom(s) {
  REG.lastIndex = 0;
  if (!REG.test(s)) return s;
  let i = REG.lastIndex - 1;
  let out = s.slice(0, i);
  let last = i;
  for (const n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    const r = c > 62 ? null : c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : c === 34 ? '&quot;' : c === 39 ? '&#39;' : null;
    if (r === null) continue;
    out += s.slice(last, i) + r;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** A regex test, then one replaceAll per character (native loops, no callback). */
function escReplaceAll(s) {
  if (!RE.test(s)) return s;
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A char-code scan against a lookup table (one load per character instead of five compares). */
function escTable(s) {
  const T = TABLE;
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 63 && T[c] !== undefined) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  let last = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 63) {
      const r = T[c];
      if (r !== undefined) {
        out += s.slice(last, i) + r;
        last = i + 1;
      }
    }
  }
  return out + s.slice(last);
}

/** A regex search for the first special character, then slices between regex matches. */
function escExec(s) {
  const re = REG;
  re.lastIndex = 0;
  let m = re.exec(s);
  if (!m) return s;
  let out = '';
  let last = 0;
  do {
    const c = s.charCodeAt(m.index);
    out += s.slice(last, m.index) + (c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : c === 34 ? '&quot;' : '&#39;');
    last = m.index + 1;
  } while ((m = re.exec(s)));
  return out + s.slice(last);
}

export const ESCAPERS = { charCode: escCharCode, escapeHtml: escHtml, regex: escRegex, testLoop: escTestLoop, testFrom: escTestFrom, replaceAll: escReplaceAll, table: escTable, exec: escExec };

/** A fresh copy of an escaper: its own function (own feedback) and its own constants. */
const freshEscaper = (name) => new Function(`${CONSTANTS} return (${ESCAPERS[name].toString()})`)();

// ---- the pages, in two shapes: `+=` with for-of, and template literals with indexed loops ----
// (each function reads the escaper as `esc`, bound when the candidate is built)
/* global esc */
const money = (x) => (Number.isInteger(x) ? x + '.0' : '' + x); // Python's str() of round(x, 2): no ties in the data

export const SHAPES = {
  concat: {
    minimal: (d) => 'Hello, ' + esc(d.name) + '!',
    small: (d) => {
      let o = '<html>\n<head><title>' + esc(d.title) + '</title></head>\n<body>\n    <h1>Hello, ' + esc(d.name) + '!</h1>\n    <p>Count: ' + d.count + '</p>\n    <ul>\n    ';
      for (const item of d.items) o += '\n        <li>' + esc(item) + '</li>\n    ';
      o += '\n    </ul>\n    ';
      if (d.active) o += '\n        <p>Status: Active</p>\n    ';
      return o + '\n    <footer>' + esc(d.footer) + '</footer>\n</body>\n</html>\n';
    },
    medium: (d) => {
      let o = '<html>\n<head><title>Product Catalog</title></head>\n<body>\n    <nav>\n    ';
      for (const cat of d.categories) o += '\n        <a href="#' + esc(cat.toLowerCase().replaceAll(' ', '-')) + '">' + esc(cat) + '</a>\n    ';
      o += '\n    </nav>\n\n    <main>\n    ';
      for (const it of d.items) o += '\n        <article id="item-' + it.id + '">\n            <h2>' + esc(it.name) + '</h2>\n            <p class="price">$' + money(Math.round(it.price * 100) / 100) + '</p>\n        </article>\n    ';
      o += '\n    </main>\n\n    <aside>\n    ';
      for (const v of d.vars) o += '\n        <div>' + esc(v) + '</div>\n    ';
      return o + '\n    </aside>\n</body>\n</html>\n';
    },
    large: (d) => {
      let o = '';
      for (const it of d.items) o += '\n<div id="' + it.id + '">' + esc(it.name) + ' - ' + it.data.x + '/' + it.data.y + '</div>\n';
      return o + '\n';
    },
    complex: (d) => {
      const a = d.article;
      let nav = '';
      for (const l of d.nav) nav += '\n            <li><a href="' + esc(l.href) + '">' + esc(l.label) + '</a></li>\n        ';
      let sec = '';
      for (const s of a.sections) sec += '\n        <h3>' + esc(s.title) + '</h3>\n        <p>' + esc(s.body) + '</p>\n    ';
      let tags = '';
      for (const t of a.tags) tags += '\n        <span class="tag">' + esc(t) + '</span>\n    ';
      return (
        '<!DOCTYPE html>\n<html>\n<head>\n    <title>Benchmark Layout</title>\n    \n    <meta name="description" content="' + esc(d.description) +
        '">\n\n</head>\n<body>\n    <header>\n        \n    <h1>' + esc(d.heading) + '</h1>\n    <nav>\n        <ul>\n        ' + nav +
        '\n        </ul>\n    </nav>\n\n    </header>\n\n    <main>\n        \n    \n<article>\n    <h2>' + esc(a.title) + '</h2>\n    <p>' + esc(a.subtitle) +
        '</p>\n\n    <section>\n    ' + sec + '\n    </section>\n\n    <aside>\n    ' + tags + '\n    </aside>\n</article>\n\n\n    </main>\n\n    <footer>\n        \n            <p>' +
        esc(d.footer) + '</p>\n        \n    </footer>\n</body>\n</html>\n'
      );
    },
    cards: (d) => {
      let o = '<main>';
      for (const p of d.cards) o += '<div class="card"><h3>' + esc(p.title) + '</h3><p>' + esc(p.body) + '</p><a href="' + esc(p.url) + '">' + p.n + '</a></div>';
      return o + '</main>';
    },
  },
  template: {
    minimal: (d) => `Hello, ${esc(d.name)}!`,
    small: (d) => {
      const items = d.items;
      let li = '';
      for (let i = 0; i < items.length; i++) li += `\n        <li>${esc(items[i])}</li>\n    `;
      return `<html>\n<head><title>${esc(d.title)}</title></head>\n<body>\n    <h1>Hello, ${esc(d.name)}!</h1>\n    <p>Count: ${d.count}</p>\n    <ul>\n    ${li}\n    </ul>\n    ${d.active ? '\n        <p>Status: Active</p>\n    ' : ''}\n    <footer>${esc(d.footer)}</footer>\n</body>\n</html>\n`;
    },
    medium: (d) => {
      const cats = d.categories, items = d.items, vars = d.vars;
      let nav = '', main = '', aside = '';
      for (let i = 0; i < cats.length; i++) nav += `\n        <a href="#${esc(cats[i].toLowerCase().replaceAll(' ', '-'))}">${esc(cats[i])}</a>\n    `;
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        const p = Math.round(it.price * 100) / 100;
        main += `\n        <article id="item-${it.id}">\n            <h2>${esc(it.name)}</h2>\n            <p class="price">$${Number.isInteger(p) ? p + '.0' : p}</p>\n        </article>\n    `;
      }
      for (let i = 0; i < vars.length; i++) aside += `\n        <div>${esc(vars[i])}</div>\n    `;
      return `<html>\n<head><title>Product Catalog</title></head>\n<body>\n    <nav>\n    ${nav}\n    </nav>\n\n    <main>\n    ${main}\n    </main>\n\n    <aside>\n    ${aside}\n    </aside>\n</body>\n</html>\n`;
    },
    large: (d) => {
      const items = d.items;
      let o = '';
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        o += `\n<div id="${it.id}">${esc(it.name)} - ${it.data.x}/${it.data.y}</div>\n`;
      }
      return o + '\n';
    },
    complex: (d) => {
      const a = d.article;
      let nav = '', sec = '', tags = '';
      for (let i = 0; i < d.nav.length; i++) nav += `\n            <li><a href="${esc(d.nav[i].href)}">${esc(d.nav[i].label)}</a></li>\n        `;
      for (let i = 0; i < a.sections.length; i++) sec += `\n        <h3>${esc(a.sections[i].title)}</h3>\n        <p>${esc(a.sections[i].body)}</p>\n    `;
      for (let i = 0; i < a.tags.length; i++) tags += `\n        <span class="tag">${esc(a.tags[i])}</span>\n    `;
      return `<!DOCTYPE html>\n<html>\n<head>\n    <title>Benchmark Layout</title>\n    \n    <meta name="description" content="${esc(d.description)}">\n\n</head>\n<body>\n    <header>\n        \n    <h1>${esc(d.heading)}</h1>\n    <nav>\n        <ul>\n        ${nav}\n        </ul>\n    </nav>\n\n    </header>\n\n    <main>\n        \n    \n<article>\n    <h2>${esc(a.title)}</h2>\n    <p>${esc(a.subtitle)}</p>\n\n    <section>\n    ${sec}\n    </section>\n\n    <aside>\n    ${tags}\n    </aside>\n</article>\n\n\n    </main>\n\n    <footer>\n        \n            <p>${esc(d.footer)}</p>\n        \n    </footer>\n</body>\n</html>\n`;
    },
    cards: (d) => {
      const cards = d.cards;
      let o = '<main>';
      for (let i = 0; i < cards.length; i++) {
        const p = cards[i];
        o += `<div class="card"><h3>${esc(p.title)}</h3><p>${esc(p.body)}</p><a href="${esc(p.url)}">${p.n}</a></div>`;
      }
      return o + '</main>';
    },
  },
};

/** Every candidate baseline of a workload: { id: 'concat+charCode', f }, each compiled apart. */
export function candidates(workload) {
  const out = [];
  for (const [shape, pages] of Object.entries(SHAPES))
    for (const name of Object.keys(ESCAPERS)) {
      const f = new Function('esc', 'money', `return (${pages[workload].toString()})`)(freshEscaper(name), new Function(`return (${money.toString()})`)());
      out.push({ id: `${shape}+${name}`, f });
    }
  return out;
}

/** The reference output of a workload (the first candidate; every other one must match it). */
export const reference = (workload) => candidates(workload)[0].f;
