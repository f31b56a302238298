// Parameter lists of Nunjucks 3.2's built-in filters and tests (after the value), as the
// compiler binds calls in `compat: 'nunjucks'` mode. runtime/nunjucks/filters.ts implements
// each as `nf_<name>` / `nt_<name>`; a unit test keeps the two equal.

export const njkFilterParams: Record<string, string[]> = Object.assign(Object.create(null) as Record<string, string[]>, {
  abs: [], batch: ['linecount', 'fill_with'], capitalize: [], center: ['width'], default: ['default', 'boolean'], d: ['default', 'boolean'],
  dictsort: ['case_sensitive', 'by'], dump: ['spaces'], escape: [], e: [], safe: [], first: [], forceescape: [],
  groupby: ['attribute'], indent: ['width', 'indentfirst'], join: ['delimiter', 'attribute'], last: [], length: [], list: [],
  lower: [], nl2br: [], random: [], reject: ['test', 'arg'], rejectattr: ['attribute'], select: ['test', 'arg'],
  selectattr: ['attribute'], replace: ['old', 'new', 'maxcount'], reverse: [], round: ['precision', 'method'],
  slice: ['slices', 'fill_with'], sum: ['attribute', 'start'], sort: ['reverse', 'case_sensitive', 'attribute'],
  string: [], striptags: ['preserve_linebreaks'], title: [], trim: [], truncate: ['length', 'killwords', 'end'],
  upper: [], urlencode: [], urlize: ['length', 'nofollow'], wordcount: [], float: ['default'], int: ['default', 'base'],
  // (not Nunjucks': what its `r/body/flags` literal compiles to)
  __regex: ['flags'],
  // (`x | dump | safe`, as the compiler spells it)
  __dumpsafe: ['spaces'],
});

export const njkTestParams: Record<string, string[]> = Object.assign(Object.create(null) as Record<string, string[]>, {
  callable: [], defined: [], divisibleby: ['num'], escaped: [], equalto: ['other'], eq: ['other'], sameas: ['other'],
  even: [], falsy: [], ge: ['other'], greaterthan: ['other'], gt: ['other'], le: ['other'], lessthan: ['other'],
  lt: ['other'], lower: [], ne: ['other'], null: [], number: [], odd: [], string: [], truthy: [], undefined: [],
  upper: [], iterable: [], mapping: [],
});
