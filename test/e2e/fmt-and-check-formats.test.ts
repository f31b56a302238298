// `kida fmt` and `kida check --format json|sarif|github`, run as real processes on small projects.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckReport, githubCommand, tokenEnd, type Finding } from '../../compiler/check-report.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'test/.tmp-fmt-check');
const cli = join(root, 'dist/compiler/cli.js');
const run = (args: string[], cwd = dir) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
const write = (file: string, text: string) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));
rmSync(dir, { recursive: true, force: true });

describe('kida fmt', () => {
  const app = join(dir, 'fmt');
  const page = join(app, 'templates/page.kida');
  const part = join(app, 'templates/parts/list.kida');
  const messy = '{%if items%}\n<ul>   \n{%for i in items%}\n<li>{{i}}</li>\n{%endfor%}\n</ul>\n\n\n\n{%endif%}';

  it('--check lists the files that are not formatted and exits 1; fmt writes them; then --check exits 0', () => {
    write(page, messy);
    write(part, '{% for x in xs %}\n  {{ x }}\n{% end %}\n'); // already formatted
    write(join(app, 'templates/notes.txt'), '{{x}}'); // not a template: left alone
    let res = run(['fmt', '--check', 'templates'], app);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('would reformat templates/page.kida\n');
    expect(res.stderr).toMatch(/1 of 2 templates would be reformatted/);
    expect(readFileSync(page, 'utf8')).toBe(messy); // --check writes nothing

    res = run(['fmt', 'templates'], app);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('reformatted templates/page.kida\n');
    expect(readFileSync(page, 'utf8')).toBe('{% if items %}\n  <ul>\n  {% for i in items %}\n    <li>{{ i }}</li>\n  {% endfor %}\n  </ul>\n\n{% endif %}\n');
    expect(readFileSync(join(app, 'templates/notes.txt'), 'utf8')).toBe('{{x}}');
    expect(run(['fmt', '--check', 'templates'], app).status).toBe(0);
    // a file named on the command line is formatted whatever its extension
    expect(run(['fmt', 'templates/notes.txt'], app).status).toBe(0);
    expect(readFileSync(join(app, 'templates/notes.txt'), 'utf8')).toBe('{{ x }}\n');
  });

  it('--indent, and fmt.indent from kida.config (the flag wins)', () => {
    write(page, messy);
    expect(run(['fmt', '--indent', '4', 'templates/page.kida'], app).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/^\{% if items %\}\n {4}<ul>\n {4}\{% for i in items %\}\n {8}<li>/);
    write(join(app, 'kida.config.json'), JSON.stringify({ root: 'templates', fmt: { indent: 3 } }));
    const res = run(['fmt', '--check'], app); // (no target: the config's root)
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/would reformat templates\/page\.kida/);
    expect(run(['fmt'], app).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/^\{% if items %\}\n {3}<ul>\n/);
    expect(run(['fmt', '--indent', '1'], app).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/^\{% if items %\}\n <ul>\n/);
    expect(run(['fmt', '--indent', 'two'], app).status).toBe(2);
    // --html-indent (or fmt.htmlIndent): HTML nesting too
    expect(run(['fmt', '--indent', '2', '--html-indent'], app).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toBe('{% if items %}\n  <ul>\n    {% for i in items %}\n      <li>{{ i }}</li>\n    {% endfor %}\n  </ul>\n\n{% endif %}\n');
    write(join(app, 'kida.config.json'), JSON.stringify({ root: 'templates', fmt: { htmlIndent: true } }));
    expect(run(['fmt', '--check'], app).status).toBe(0);
    expect(run(['check', '--html-indent'], app).status).toBe(2);
    rmSync(join(app, 'kida.config.json'));
  });

  it('uses the delimiters of kida.config', () => {
    const d = join(dir, 'delims');
    write(join(d, 'kida.config.json'), JSON.stringify({ blockStart: '<%', blockEnd: '%>', variableStart: '${', variableEnd: '}' }));
    write(join(d, 'a.kida'), '<%if x%>\n${x}\n{{ not a tag }}\n<%end%>');
    expect(run(['fmt', '.'], d).status).toBe(0);
    expect(readFileSync(join(d, 'a.kida'), 'utf8')).toBe('<% if x %>\n  ${ x }\n  {{ not a tag }}\n<% end %>\n');
  });

  it('leaves Markdown templates alone (indentation and trailing spaces are meaning there)', () => {
    const d = join(dir, 'markdown');
    const text = '{% for i in items %}\n    code line  \n{% end %}';
    write(join(d, 'notes.md.kida'), text);
    write(join(d, 'md/page.kida'), text);
    write(join(d, 'md/kida.config.json'), JSON.stringify({ autoescape: 'markdown' }));
    const res = run(['fmt', '--check', 'notes.md.kida'], d);
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/0 of 0 templates would be reformatted, 1 Markdown templates left as they are/);
    expect(run(['fmt', '.'], join(d, 'md')).stderr).toMatch(/1 Markdown templates left as they are/);
    expect(readFileSync(join(d, 'md/page.kida'), 'utf8')).toBe(text);
  });

  it('reports a file that does not lex, leaves it as it is and exits 1; a missing path exits 2', () => {
    const d = join(dir, 'broken');
    write(join(d, 'bad.kida'), 'a\n{{ x');
    write(join(d, 'good.kida'), '{{x}}');
    const res = run(['fmt', '.'], d);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^bad\.kida:2:1: K-LEX-003 Unclosed variable tag/m);
    expect(readFileSync(join(d, 'bad.kida'), 'utf8')).toBe('a\n{{ x');
    expect(readFileSync(join(d, 'good.kida'), 'utf8')).toBe('{{ x }}\n');
    expect(run(['fmt', 'nowhere'], d).status).toBe(2);
  });
});

describe('kida check --format', () => {
  const app = join(dir, 'check');
  write(join(app, 'templates/a.kida'), 'ok\n{{ x | upperr }}\n{% iff %}\n');
  write(join(app, 'templates/sub/b,c.kida'), '{% def f(a) %}{{ a }}{% end %}\n{{ f(1, 2) }}\n{% include "nope.kida" %}');
  write(join(app, 'templates/ok.kida'), 'fine');
  write(join(app, 'clean/fine.kida'), '{{ 1 }}');
  write(join(app, 'warn/w.kida'), '{% def f(a) %}{{ a }}{% end %}{{ f() }}');
  const args = ['check', 'templates', '--validate-calls'];

  it('text is the default and stays file:line:col: CODE message on stderr', () => {
    const res = run(args, app);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.split('\n').slice(0, 4)).toEqual([
      "templates/a.kida:2:8: K-PAR-004 Unknown filter 'upperr'. Did you mean 'upper'?",
      "templates/a.kida:3:4: K-PAR-001 Unknown block keyword: iff (Did you mean 'if'?)",
      "templates/sub/b,c.kida:3:12: K-TPL-001 Template 'nope.kida' not found (Did you mean 'ok.kida'?)",
      "templates/sub/b,c.kida:2:5: K-CMP-001 Call to 'f' has invalid arguments: takes 1 positional arguments but 2 were given",
    ]);
    expect(run([...args, '--format', 'text'], app).stderr).toBe(res.stderr);
    expect(run([...args, '--format', 'yaml'], app).status).toBe(2);
    expect(run(['fmt', '--format', 'json', 'templates'], app).status).toBe(2);
    expect(run(['check', '--check', 'templates'], app).status).toBe(2);
  });

  it('json: the reference envelope (root, diagnostics, summary, partial, exit_code) on stdout', () => {
    const res = run([...args, '--format', 'json'], app);
    expect(res.status).toBe(1);
    const r = JSON.parse(res.stdout);
    expect(Object.keys(r)).toEqual(['schema_version', 'root', 'diagnostics', 'summary', 'partial', 'exit_code']);
    expect(r).toMatchObject({ schema_version: 1, root: join(app, 'templates'), partial: false, exit_code: 1, summary: { errors: 3, warnings: 1, info: 0, total: 4 } });
    expect(r.diagnostics.map((d: { path: string; code: string; severity: string }) => `${d.path} ${d.code} ${d.severity}`)).toEqual([
      'a.kida K-PAR-004 error', 'a.kida K-PAR-001 error', 'sub/b,c.kida K-TPL-001 error', 'sub/b,c.kida K-CMP-001 warning',
    ]);
    // 1-based lines, 0-based columns, exclusive end: `upperr` on line 2
    expect(r.diagnostics[0]).toEqual({
      code: 'K-PAR-004', category: 'syntax', severity: 'error', message: "Unknown filter 'upperr'. Did you mean 'upper'?",
      path: 'a.kida', range: { start: { line: 2, column: 7 }, end: { line: 2, column: 13 } }, suggestion: "Did you mean 'upper'?",
    });
    expect(r.diagnostics[1].suggestion).toBe("Did you mean 'if'?");
    // clean: exit 0; warnings alone: exit 0 unless --strict
    const clean = run(['check', 'clean', '--format', 'json'], app);
    expect([clean.status, JSON.parse(clean.stdout).exit_code, JSON.parse(clean.stdout).diagnostics]).toEqual([0, 0, []]);
    const warn = JSON.parse(run(['check', 'warn', '--validate-calls', '--format', 'json'], app).stdout);
    expect([warn.exit_code, warn.summary]).toEqual([0, { errors: 0, warnings: 1, info: 0, total: 1 }]);
    const strict = run(['check', 'warn', '--validate-calls', '--strict', '--format', 'json'], app);
    expect([strict.status, JSON.parse(strict.stdout).exit_code]).toEqual([1, 1]);
  });

  it('sarif: a SARIF 2.1.0 log with the required fields, rules named by K-code, root-relative URIs', () => {
    const res = run([...args, '--format', 'sarif'], app);
    expect(res.status).toBe(1);
    const log = JSON.parse(res.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const [runLog] = log.runs;
    const driver = runLog.tool.driver;
    expect(driver.name).toBe('kida');
    expect(driver.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(driver.rules.map((r: { id: string }) => r.id)).toEqual(['K-CMP-001', 'K-PAR-001', 'K-PAR-004', 'K-TPL-001']);
    for (const r of driver.rules) expect(r.shortDescription.text).toEqual(expect.any(String));
    expect(runLog.originalUriBaseIds.SRCROOT.uri).toBe(`file://${join(app, 'templates')}/`);
    expect(runLog.results).toHaveLength(4);
    for (const x of runLog.results) {
      expect(driver.rules[x.ruleIndex].id).toBe(x.ruleId);
      expect(['error', 'warning']).toContain(x.level);
      expect(x.message.text).toEqual(expect.any(String));
      const loc = x.locations[0].physicalLocation;
      expect(loc.artifactLocation.uriBaseId).toBe('SRCROOT');
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc.region.startColumn).toBeGreaterThanOrEqual(1);
      expect(loc.region.endLine).toBe(loc.region.startLine);
      expect(loc.region.endColumn).toBeGreaterThan(loc.region.startColumn);
    }
    expect(runLog.results[0]).toMatchObject({
      ruleId: 'K-PAR-004',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'a.kida' }, region: { startLine: 2, startColumn: 8, endLine: 2, endColumn: 14 } } }],
    });
    expect(runLog.results[2].locations[0].physicalLocation.artifactLocation.uri).toBe('sub/b,c.kida');
    expect(runLog.results[3].level).toBe('warning');
    expect(runLog.invocations).toEqual([{ executionSuccessful: true, exitCode: 1 }]);
  });

  it('github: one workflow command per finding, properties and data escaped', () => {
    const res = run([...args, '--format', 'github'], app);
    expect(res.status).toBe(1);
    expect(res.stdout.trimEnd().split('\n')).toEqual([
      "::error file=templates/a.kida,line=2,col=8,endLine=2,endColumn=14,title=K-PAR-004::Unknown filter 'upperr'. Did you mean 'upper'?",
      "::error file=templates/a.kida,line=3,col=4,endLine=3,endColumn=7,title=K-PAR-001::Unknown block keyword: iff (Did you mean 'if'?)",
      "::error file=templates/sub/b%2Cc.kida,line=3,col=12,endLine=3,endColumn=23,title=K-TPL-001::Template 'nope.kida' not found (Did you mean 'ok.kida'?)",
      "::warning file=templates/sub/b%2Cc.kida,line=2,col=5,endLine=2,endColumn=6,title=K-CMP-001::Call to 'f' has invalid arguments: takes 1 positional arguments but 2 were given",
    ]);
    expect(run(['check', 'clean', '--format', 'github'], app)).toMatchObject({ status: 0, stdout: '' });
  });

  it('github escaping: % CR LF in the message; also , and : in properties', () => {
    const f: Finding = {
      file: join(dir, 'a:b,c%.kida'), code: 'K-PAR-001', severity: 'error', message: '100% wrong\r\nnext: line, here', suggestion: null,
      range: { start: { line: 1, column: 0 }, end: { line: 1, column: 2 } },
    };
    expect(githubCommand(f, dir)).toBe('::error file=a%3Ab%2Cc%25.kida,line=1,col=1,endLine=1,endColumn=3,title=K-PAR-001::100%25 wrong%0D%0Anext: line, here');
    expect(githubCommand({ ...f, range: null }, dir)).toBe('::error file=a%3Ab%2Cc%25.kida,title=K-PAR-001::100%25 wrong%0D%0Anext: line, here');
  });

  it('a file that could not be checked at all: K-CHK-001 without a position, partial', () => {
    const written: string[] = [];
    const io = { out: (t: string) => void written.push(t), err: () => {}, textError: () => {} };
    const report = new CheckReport('json', dir, io, '9.9.9');
    report.error(join(dir, 'x.kida'), new Error('EACCES: permission denied'));
    report.finish(1);
    expect(JSON.parse(written.join(''))).toMatchObject({
      partial: true,
      exit_code: 1,
      diagnostics: [{ code: 'K-CHK-001', category: 'internal', severity: 'error', message: 'EACCES: permission denied', path: 'x.kida', range: null }],
    });
    const sarif = new CheckReport('sarif', dir, io, '9.9.9');
    sarif.error(join(dir, 'x.kida'), new Error('boom'));
    const result = sarif.sarif(1).runs[0]!.results[0]!;
    expect(result.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'x.kida', uriBaseId: 'SRCROOT' } });
  });

  it('a finding spans the word, string or tag at its position', () => {
    expect(tokenEnd('{{ x | upperr }}', 7)).toBe(13);
    expect(tokenEnd('{% include "no pe" %}', 11)).toBe(18);
    expect(tokenEnd('a {% iff %} b', 2)).toBe(11);
    expect(tokenEnd('(', 0)).toBe(1);
    expect(tokenEnd('', 5)).toBe(6);
  });
});
