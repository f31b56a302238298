// Sandbox mode for templates written by untrusted authors: a policy decides which
// attributes and callables are reachable, and limits range sizes and output size.
// Templates compiled with `sandbox: true` call these instead of the plain lookups.

import { SecurityError, docsUrl, placed } from './errors.js';
import { Range, callValue, getattr, getattrOpt, typeName } from './values.js';
import { callAttr, callAttrOpt, range as plainRange } from './ops.js';

export interface SandboxPolicy {
  /** Largest `range()` / `a..b` allowed (default 10,000). */
  maxRange?: number;
  /** Longest output allowed, in characters (default: unlimited). */
  maxOutputSize?: number | null;
  /** Allow methods that mutate data (`append`, `update`, `pop`, …); default false. */
  allowMutatingMethods?: boolean;
  /** Type names that may be called (`function`, `str`, …); default: any. */
  allowCalling?: string[] | null;
  /** Extra attribute names to block. */
  blockedAttributes?: string[];
  /** Most loop iterations (`for`, `while`) in one render (default: unlimited). */
  maxLoopIterations?: number | null;
  /** Longest render, in milliseconds of wall time (default: unlimited). */
  maxRenderTime?: number | null;
}

const MUTATING = new Set([
  'append', 'extend', 'insert', 'pop', 'remove', 'sort', 'reverse', 'clear', 'update', 'setdefault', 'popitem', 'add',
  'discard', 'push', 'splice', 'set', 'delete',
]);

/** Accepts camelCase or the reference's snake_case keys, or `true` for the defaults. */
export function normalizePolicy(p: unknown): Required<SandboxPolicy> {
  const o = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
  const pick = (a: string, b: string) => (o[a] !== undefined ? o[a] : o[b]);
  return {
    maxRange: (pick('maxRange', 'max_range') as number | undefined) ?? 10_000,
    maxOutputSize: (pick('maxOutputSize', 'max_output_size') as number | null | undefined) ?? null,
    allowMutatingMethods: !!pick('allowMutatingMethods', 'allow_mutating_methods'),
    allowCalling: (pick('allowCalling', 'allow_calling') as string[] | null | undefined) ?? null,
    blockedAttributes: (pick('blockedAttributes', 'blocked_attributes') as string[] | undefined) ?? [],
    maxLoopIterations: (pick('maxLoopIterations', 'max_loop_iterations') as number | null | undefined) ?? null,
    maxRenderTime: (pick('maxRenderTime', 'max_render_time') as number | null | undefined) ?? null,
  };
}

/** A broken sandbox rule, in the reference's layout: the rule, where (when known), Hint:, Docs:.
 * (Here, not in errors.ts: only sandboxed bundles carry it.) */
class PolicyError extends SecurityError {
  constructor(message: string, pos: { suggestion: string }, code = 'K-SEC-001') {
    super(message, pos);
    this.code = code;
    this.relayout(); // (laid out twice, on an error path: a code parameter on SecurityError would cost every bundle 9 bytes)
  }
  protected override layout(): string {
    const hint = this.suggestion ? `\n  Hint: ${this.suggestion}` : '';
    return `${this.rawMessage}${placed(this)}${hint}\n  Docs: ${docsUrl(this.code)}`;
  }
}

export class Sandbox {
  readonly policy: Required<SandboxPolicy>;
  constructor(policy: unknown) {
    this.policy = normalizePolicy(policy);
  }
  checkAttr(name: string, calling: boolean): void {
    if (name.startsWith('_') || this.policy.blockedAttributes.includes(name) || (!this.policy.allowMutatingMethods && MUTATING.has(name) && calling))
      throw new PolicyError(`Access to attribute '${name}' is blocked by sandbox policy`, {
        suggestion: MUTATING.has(name) ? 'Build a new value instead, or allow mutating methods in the sandbox policy' : 'Remove the attribute access',
      });
  }
  checkCall(f: unknown): void {
    const allowed = this.policy.allowCalling;
    if (allowed && !allowed.includes(typeName(f)))
      throw new PolicyError(`Calling objects of type '${typeName(f)}' is not permitted by sandbox policy`, {
        suggestion: `Add '${typeName(f)}' to the policy's allowCalling list`,
      }, 'K-SEC-004');
  }
  checkRange(r: Range): Range {
    if (r.length > this.policy.maxRange)
      throw new PolicyError(`range() size ${r.length} exceeds sandbox limit of ${this.policy.maxRange}`, {
        suggestion: 'Reduce the range size, or raise the policy maxRange',
      }, 'K-SEC-003');
    return r;
  }
  checkOutput(size: number): void {
    const max = this.policy.maxOutputSize;
    if (max !== null && size > max)
      throw new PolicyError(`Render output size (${size} chars) exceeds sandbox limit of ${max}`, {
        suggestion: 'Reduce template output, or raise the policy maxOutputSize',
      }, 'K-SEC-005');
  }
}

type Env = { sandbox?: Sandbox };

/** Per-render counters, kept on the render state shared by every template of one render. */
const COUNTERS = new WeakMap<object, { ticks: number; start: number }>();
/** One loop iteration: enforces maxLoopIterations and (every 64 iterations) maxRenderTime. */
export function sbTick(env: Env, R: { shared: object }): void {
  const p = env.sandbox!.policy;
  if (p.maxLoopIterations === null && p.maxRenderTime === null) return;
  let c = COUNTERS.get(R.shared);
  if (!c) COUNTERS.set(R.shared, (c = { ticks: 0, start: Date.now() }));
  if (p.maxLoopIterations !== null && ++c.ticks > p.maxLoopIterations)
    throw new PolicyError(`Loop iterations exceed sandbox limit of ${p.maxLoopIterations}`, {
      suggestion: 'Iterate over less data, or raise the policy maxLoopIterations',
    }, 'K-SEC-003');
  if (p.maxRenderTime !== null && (c.ticks & 63) === 0 && Date.now() - c.start > p.maxRenderTime)
    throw new PolicyError(`Render time exceeds sandbox limit of ${p.maxRenderTime} ms`, {
      suggestion: 'Render less, or raise the policy maxRenderTime',
    }, 'K-SEC-003');
}

export function sbGetattr(env: Env, obj: unknown, name: string, strict: boolean): unknown {
  env.sandbox!.checkAttr(name, false);
  return getattr(obj, name, strict);
}
export function sbGetattrOpt(env: Env, obj: unknown, name: string, strict: boolean): unknown {
  env.sandbox!.checkAttr(name, false);
  return getattrOpt(obj, name, strict);
}
export function sbCallAttr(env: Env, obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  env.sandbox!.checkAttr(name, true);
  env.sandbox!.checkCall(getattr(obj, name, strict));
  return callAttr(obj, name, strict, args);
}
export function sbCallAttrOpt(env: Env, obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  env.sandbox!.checkAttr(name, true);
  return callAttrOpt(obj, name, strict, args);
}
export function sbCallValue(env: Env, f: unknown, args: unknown[]): unknown {
  env.sandbox!.checkCall(f);
  const r = callValue(f, args);
  return r instanceof Range ? env.sandbox!.checkRange(r) : r; // (a range() the sandbox did not build)
}
export function sbRange(env: Env, start: unknown, stop: unknown, inclusive: boolean, step: unknown): Range {
  return env.sandbox!.checkRange(plainRange(start, stop, inclusive, step));
}
