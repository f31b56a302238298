// Small stand-ins for VS Code's HTML, JavaScript and CSS grammars (which are not npm packages):
// enough structure (tags, attribute strings, <script>/<style> bodies, JS and CSS tokens) to
// show where the Kida grammar hands over to its host and takes over again inside it.

export const HTML = {
  scopeName: 'text.html.basic',
  patterns: [
    { name: 'comment.block.html', begin: '<!--', end: '-->' },
    {
      begin: '(<)(script)\\b([^>]*)(>)',
      beginCaptures: { 1: { name: 'punctuation.definition.tag.begin.html' }, 2: { name: 'entity.name.tag.html' }, 4: { name: 'punctuation.definition.tag.end.html' } },
      end: '(</)(script)(>)',
      endCaptures: { 1: { name: 'punctuation.definition.tag.begin.html' }, 2: { name: 'entity.name.tag.html' }, 3: { name: 'punctuation.definition.tag.end.html' } },
      contentName: 'source.js.embedded.html',
      patterns: [{ include: 'source.js' }],
    },
    {
      begin: '(<)(style)\\b([^>]*)(>)',
      beginCaptures: { 1: { name: 'punctuation.definition.tag.begin.html' }, 2: { name: 'entity.name.tag.html' }, 4: { name: 'punctuation.definition.tag.end.html' } },
      end: '(</)(style)(>)',
      endCaptures: { 1: { name: 'punctuation.definition.tag.begin.html' }, 2: { name: 'entity.name.tag.html' }, 3: { name: 'punctuation.definition.tag.end.html' } },
      contentName: 'source.css.embedded.html',
      patterns: [{ include: 'source.css' }],
    },
    {
      name: 'meta.tag.html',
      begin: '(</?)([A-Za-z][\\w:-]*)',
      beginCaptures: { 1: { name: 'punctuation.definition.tag.begin.html' }, 2: { name: 'entity.name.tag.html' } },
      end: '/?>',
      endCaptures: { 0: { name: 'punctuation.definition.tag.end.html' } },
      patterns: [
        { name: 'string.quoted.double.html', begin: '"', end: '"' },
        { name: 'string.quoted.single.html', begin: "'", end: "'" },
        { name: 'entity.other.attribute-name.html', match: '[^\\s"\'>/=]+' },
      ],
    },
    { name: 'constant.character.entity.html', match: '&\\w+;' },
  ],
};

export const JS = {
  scopeName: 'source.js',
  patterns: [
    { name: 'comment.line.double-slash.js', match: '//.*$' },
    { name: 'string.quoted.double.js', begin: '"', end: '"' },
    { name: 'string.quoted.single.js', begin: "'", end: "'" },
    { name: 'storage.type.js', match: '\\b(const|let|var|function)\\b' },
    { name: 'keyword.control.js', match: '\\b(if|else|return)\\b' },
    { name: 'constant.numeric.js', match: '\\b\\d+\\b' },
  ],
};

export const CSS = {
  scopeName: 'source.css',
  patterns: [
    { name: 'comment.block.css', begin: '/\\*', end: '\\*/' },
    { match: '([\\w-]+)\\s*(:)', captures: { 1: { name: 'support.type.property-name.css' }, 2: { name: 'punctuation.separator.key-value.css' } } },
    { name: 'entity.other.attribute-name.class.css', match: '\\.[\\w-]+' },
    { name: 'punctuation.section.property-list.css', match: '[{}]' },
  ],
};
