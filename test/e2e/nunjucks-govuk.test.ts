// Issue #25's proof: every govuk-frontend component fixture rendered through its own macro.njk,
// unchanged, by Nunjucks 3.2.4 and by Kida's `compat: 'nunjucks'` mode (bench/nunjucks-govuk.mjs).
// The floors are the figures measured when they were last raised: they may only go up.
import { describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { GOVUK, measure } from '../../bench/nunjucks-govuk.mjs';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import nunjucks from 'nunjucks';
import { Environment, FunctionLoader } from '../../compiler/environment.js';

/** Fixtures whose output is byte-identical to Nunjucks' own. */
const SAME_AS_NUNJUCKS = 725;
/** Fixtures matching the fixture's html with whitespace collapsed (Nunjucks itself: 719). */
const FIXTURE_NORMALISED = 719;

describe('govuk-frontend fixtures through compat: nunjucks', () => {
  it('renders the 725 fixtures, at least as many equal to Nunjucks as last measured', async () => {
    const { counts } = await measure();
    expect(counts.total).toBe(725);
    // Nunjucks itself (the reference the harness compares against)
    expect(counts.njkNorm).toBe(719);
    expect(counts.njkExact).toBe(115);
    expect(counts.sameAsNjk).toBeGreaterThanOrEqual(SAME_AS_NUNJUCKS);
    expect(counts.oursNorm).toBeGreaterThanOrEqual(FIXTURE_NORMALISED);
  });
});

describe('govuk-frontend page template (extends, blocks, super(), components in blocks)', () => {
  it('renders pages extending govuk/template.njk byte-identical to Nunjucks', () => {
    const pages: Record<string, string> = {
      'bare.njk': '{% extends "govuk/template.njk" %}',
      'page.njk':
        '{% extends "govuk/template.njk" %}{% block pageTitle %}Mine – {{ super() }}{% endblock %}' +
        '{% block header %}{% from "govuk/components/header/macro.njk" import govukHeader %}{{ govukHeader({ serviceName: "Svc", serviceUrl: "/" }) }}{% endblock %}' +
        '{% block content %}<h1>{{ title }}</h1>{% from "govuk/components/button/macro.njk" import govukButton %}{{ govukButton({ text: "Go" }) }}{% endblock %}',
    };
    const source = (n: string) => pages[n] ?? (existsSync(join(GOVUK, n)) ? readFileSync(join(GOVUK, n), 'utf8') : null);
    const Loader = nunjucks.Loader.extend({ getSource: (n: string) => ({ src: source(n)!, path: n, noCache: true }), resolve: (f: string, t: string) => posix.join(posix.dirname(f), t) } as never);
    const njk = new nunjucks.Environment(new (Loader as unknown as new () => nunjucks.ILoader)(), { autoescape: true });
    const ours = new Environment({ loader: new FunctionLoader(source), compat: 'nunjucks' });
    const contexts = [{}, { title: 'T<', htmlLang: 'cy', pageTitle: 'X', themeColor: '#fff', bodyClasses: 'a', cspNonce: 'n', assetPath: '/a', assetUrl: 'https://x' }];
    for (const name of Object.keys(pages))
      for (const ctx of contexts) {
        const want = njk.render(name, ctx);
        expect(want.length).toBeGreaterThan(5000);
        const t = ours.getTemplate(name);
        expect(t.render(ctx)).toBe(want);
        expect([...t.renderStream(ctx)].join('')).toBe(want);
      }
  });
});
