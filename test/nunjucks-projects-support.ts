// The check both held-out project suites make (test/e2e/nunjucks-projects*.test.ts): every case of
// the projects byte-identical to Nunjucks 3.2.4 through the Environment and kida/nunjucks, and the
// case counts (and Nunjucks' own failures) as recorded.
import { expect } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { measure } from '../bench/nunjucks-projects.mjs';

export type Expected = Record<string, { cases: number; nunjucksErrors: number }>;

export async function expectAsNunjucks(expected: Expected): Promise<void> {
  const { results, failing } = await measure({ projects: Object.keys(expected) });
  expect(failing.map((f: { via: string; c: { project: string; component: string; name: string } }) => `${f.via} ${f.c.project}/${f.c.component} ${f.c.name}`)).toEqual([]);
  for (const [project, want] of Object.entries(expected)) {
    const got = results[project];
    expect({ project, cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ project, ...want });
    for (const via of ['env', 'api']) {
      expect(got[via].same).toBe(want.cases - want.nunjucksErrors);
      expect(got[via].bothThrow).toBe(want.nunjucksErrors);
    }
  }
}
