// On-disk compile cache of the Rollup/Vite plugins and the Node hook: a rebuild reuses the
// modules of templates whose inputs did not change, instead of compiling them again.
//
// An entry's key hashes the options and the template name, so a template has one entry, which an
// edit replaces; the entry holds a hash of the source it was compiled from. The pack file holding
// the entries is named after the compiler itself (its files' contents), so a rebuilt compiler
// never reads stale entries. compile() also reads other templates through `sourceOf` (imported
// defs, statically linked includes, existence checks): the names it read and a hash of what it
// got are stored in the entry, and the entry only counts when they all still hash the same.
//
// An entry's map leaves out sourcesContent: a hit means the source is the one compiled, so
// get() puts it back.
//
// All entries live in one pack file, read once and written once per build: creating a file per
// template cost more than compiling it on some disks. A write keeps the entries this build used
// and those used in the last week (templates of other builds sharing the directory).

import crypto from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeModeFor, normalizeAutoescape } from '../compiler/autoescape.js';
import type { CompileOptions, CompileResult } from '../compiler/index.js';

/** What the plugins use of a CompileResult (and what an entry stores). */
export type Compiled = Pick<CompileResult, 'code' | 'map' | 'dts' | 'warnings'>;
/** A compiled template and the templates its compilation read through sourceOf, with hashes of what it got (null: missing). */
export type Stored = Compiled & { deps: [name: string, hash: string | null][] };
/** `src`: hash of the source; `day`: when it was last used. */
type Entry = Stored & { src: string; day: number };
interface Pack {
  entries: Record<string, Entry>;
  /** Memoized per-file answers (flags()), by kind and file, with the file's stamp. */
  flags: Record<string, Record<string, [stamp: string, flag: boolean]>>;
}

const KEEP_DAYS = 7;
const today = () => Math.floor(Date.now() / 86_400_000);
// (crypto.hash, Node 20.12+, is a one-shot digest: about twice as fast as createHash for short texts)
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const hash = (text: string): string => (oneShot ? oneShot('sha1', text, 'hex') : crypto.createHash('sha1').update(text).digest('hex'));

/** Hashes of the texts other templates' compiles read (a layout is read by every page that extends it). */
const readHashes = new Map<string, string>();
export const hashOf = (s: string | null): string | null => {
  if (s === null) return null;
  let h = readHashes.get(s);
  if (h === undefined) {
    if (readHashes.size >= 256) readHashes.clear();
    readHashes.set(s, (h = hash(s)));
  }
  return h;
};

/** Keys by options object: get() and then set() of one compile ask for the same key. */
const keys = new WeakMap<CompileOptions, string>();
// JSON drops the functions (sourceOf); an autoescape function counts by its answer for this template,
// and a template it does not escape apart from `autoescape: false` (Nunjucks macros differ: njkRawMacros).
const escapeKey = (options: CompileOptions) =>
  escapeModeFor(options.autoescape, options.name ?? null) ?? (normalizeAutoescape(options.autoescape) === false ? null : 'by-name');
const keyOf = (options: CompileOptions): string => {
  let key = keys.get(options);
  if (key === undefined) keys.set(options, (key = hash(JSON.stringify({ ...options, autoescape: escapeKey(options) }))));
  return key;
};

/** Paths of the files under `dir`, relative to it (readdirSync's `recursive` needs Node 20.1). */
function filesUnder(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(sub, e.name)) : [join(sub, e.name)]));
}
let compilerHash: string | undefined;
/** Hash of the compiler, runtime and plugin sources beside this module (.js when built, .ts under vitest). */
function fingerprint(): string {
  if (compilerHash === undefined) {
    const h = crypto.createHash('sha1');
    for (const d of ['../compiler/', '../runtime/', './']) {
      const dir = fileURLToPath(new URL(d, import.meta.url));
      // (subfolders too: compiler/codegen/ writes the modules; a fix there must not be served stale)
      for (const f of filesUnder(dir).sort())
        if (/\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')) h.update(d + f + '\0').update(readFileSync(join(dir, f))).update('\0');
    }
    compilerHash = h.digest('hex');
  }
  return compilerHash;
}

export class CompileCache {
  hits = 0;
  misses = 0;
  private pack: Pack | undefined;
  private readonly used = new Set<string>();
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly dir: string,
    /** This compiler's pack file. */
    readonly file: string,
    /**
     * Write the pack by itself, half a second after a change: for dev servers, which have no
     * build end. A build calls flush() at its end instead, so it writes the pack once.
     */
    readonly autoFlush: boolean,
  ) {}

  /** The cache in `dir`, or null when the directory cannot be created (builds then just compile). */
  static open(dir: string, autoFlush = false): CompileCache | null {
    try {
      mkdirSync(dir, { recursive: true });
      return new CompileCache(dir, join(dir, `pack-${fingerprint().slice(0, 20)}.json`), autoFlush);
    } catch {
      return null;
    }
  }

  private get entries(): Pack {
    if (!this.pack) {
      let stored: Partial<Pack> | null = null;
      try {
        stored = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Pack>;
      } catch {
        // missing or damaged: start empty
      }
      this.pack = { entries: stored?.entries ?? {}, flags: stored?.flags ?? {} };
    }
    return this.pack;
  }

  /** The stored result for this source and options, when every template it read still hashes the same. */
  get(source: string, options: CompileOptions): Stored | null {
    const key = keyOf(options);
    const hit = this.entries.entries[key];
    this.used.add(key);
    const sourceOf = options.sourceOf ?? (() => null);
    if (hit && hit.src === hash(source) && typeof hit.code === 'string' && Array.isArray(hit.deps) && hit.deps.every(([n, h]) => hashOf(sourceOf(n)) === h)) {
      this.hits++;
      if (hit.day !== today()) this.touch(() => (hit.day = today()));
      // (the map's sourcesContent is this very source, which the entry does not store twice)
      return { ...hit, map: { ...hit.map, sourcesContent: [source] } };
    }
    this.misses++;
    return null;
  }

  /** Stores a fresh result and what its compilation read (see Stored). */
  set(source: string, options: CompileOptions, out: Stored): void {
    this.touch(() => {
      const map = { ...out.map, sourcesContent: [] };
      this.entries.entries[keyOf(options)] = { src: hash(source), deps: out.deps, code: out.code, map, dts: out.dts, warnings: out.warnings, day: today() };
    });
  }

  /**
   * `test(file)` for each file, remembered under `kind` while the file's `stamp` (its status
   * change time and size: a write changes them) stays the same, so a rebuild need not read it.
   */
  async flags(kind: string, files: string[], stamp: (file: string) => string | null, test: (file: string) => Promise<boolean>): Promise<boolean[]> {
    const stored = this.entries.flags[kind] ?? {};
    const flags: Record<string, [stamp: string, flag: boolean]> = {};
    let computed = false;
    const out: boolean[] = [];
    for (const f of files) {
      const st = stamp(f);
      const known = stored[f];
      if (st !== null && Array.isArray(known) && known[0] === st && typeof known[1] === 'boolean') {
        out.push((flags[f] = known)[1]);
        continue;
      }
      computed = true;
      const flag = await test(f);
      if (st !== null) flags[f] = [st, flag];
      out.push(flag);
    }
    // only these files are kept: removed templates go with the next write
    if (computed || files.length !== Object.keys(stored).length) this.touch(() => (this.entries.flags[kind] = flags));
    return out;
  }

  /** Records a change; the pack is written at the end of the build, or (autoFlush) half a second after the first change since the last write. */
  private touch(change: () => void): void {
    change();
    this.dirty = true;
    // (unref: never holds a process open)
    if (this.autoFlush && this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), 500);
      this.timer.unref?.();
    }
  }

  /**
   * Writes the pack when something changed: the entries this build used and those used in the
   * last week (a temp file and a rename, so readers never see half a pack). Packs of other
   * compiler versions are removed. Failures cost the cache, never the build.
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || !this.pack) return;
    this.dirty = false;
    const entries: Record<string, Entry> = {};
    for (const [k, e] of Object.entries(this.pack.entries)) if (this.used.has(k) || today() - e.day < KEEP_DAYS) entries[k] = e;
    this.pack.entries = entries;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.pack));
      renameSync(tmp, this.file);
      for (const f of readdirSync(this.dir)) if (f.startsWith('pack-') && join(this.dir, f) !== this.file && !f.endsWith('.tmp')) rmSync(join(this.dir, f), { force: true });
    } catch {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* nothing to clean */
      }
    }
  }
}
