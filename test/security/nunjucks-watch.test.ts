import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import nunjucks from '../../adapters/nunjucks.js';

describe('kida/nunjucks watch', () => {
  it("a watcher's 'error' (its folder gone or unreadable) is handled: no throw, the cache is dropped, the app goes on", () => {
    const root = mkdtempSync(join(tmpdir(), 'kida-watch-'));
    mkdirSync(join(root, 'views'));
    writeFileSync(join(root, 'views', 'a.njk'), 'hi {{ x }}');
    const env = nunjucks.configure(join(root, 'views'), { watch: true });
    expect(env.render('a.njk', { x: 1 })).toBe('hi 1');
    const watchers = (env as unknown as { watchers: EventEmitter[] }).watchers;
    expect(watchers.length).toBe(1);
    // (an EventEmitter throws an 'error' nobody listens to: in a watcher's callback that ends the process)
    expect(() => watchers[0]!.emit('error', new Error('EPERM'))).not.toThrow();
    expect(env.render('a.njk', { x: 2 })).toBe('hi 2');
  });
});
