/**
 * Escape attempts against the reward sandbox, shared by the in-process tests (sandbox.test.ts) and
 * the ones through the validation and training processes (test/integration/sandbox-escape.test.ts).
 *
 * Every attempt hands each value it can reach to `probe`, which follows the value's constructor
 * chain three steps (object → its constructor → Function → Function; a number or a function
 * converges the same way) to a realm's `Function` F and asks it for `process`. In the sandbox's realm
 * F is the realm's own `Function` and refuses (code generation is off): contained. Any other F is a
 * foreign realm's — the host's — and so is an F that yields `process`: the probe then writes a marker
 * file with it and says "HOST-REALM-REACHED". A contained attempt leaves no marker and never says it.
 */
import type { RewardComponent } from "../../../runtime/src/reward-design/sandbox.js";

export const REACHED = "HOST-REALM-REACHED";

/** The probe, as the text of an arrow function; `marker` is the file an escape would write. */
export function probeSource(marker: string): string {
  return `(o) => {
  let F;
  try { F = o.constructor.constructor.constructor; } catch (e) { return "contained"; }
  if (typeof F !== "function") return "contained";
  let p;
  try { p = F("return typeof process === 'object' ? process : undefined")(); } catch (e) { return F === Function ? "contained" : "${REACHED}: a foreign Function"; }
  if (p === undefined && F === Function) return "contained";
  try { (p.getBuiltinModule ? p.getBuiltinModule("fs") : p.mainModule.require("fs")).writeFileSync(${JSON.stringify(marker)}, "escaped"); } catch (e) {}
  return "${REACHED}";
}`;
}

/**
 * The minimal input of issue 9 item 1: TypeScript reads a comparison and a template string; V8
 * reads `0`, an HTML-like comment, a line of code, and another comment. Against the old driver (which
 * pasted component text into its own script) the middle line replaced the driver's `step` with a
 * function that the host called with itself as `this`: `this.constructor.constructor` was the
 * host's `Function`, and the marker was written.
 */
export function minimalExploit(marker: string): string {
  const wrapper = `function () { const p = this.constructor.constructor("return process")(); (p.getBuiltinModule ? p.getBuiltinModule("fs") : p.mainModule.require("fs")).writeFileSync(${JSON.stringify(marker)}, "escaped"); return ""; }`;
  return "0 <!--envReward + `\n), step = " + wrapper + ", () => (0\n-->`";
}

/**
 * Attempts that compute a string of probe results. `innerComponent` wraps one so that it returns 0
 * when contained (errors included: they are probed too) and throws when the host realm was reached,
 * so all of them can run together, every step, in one training run.
 */
export const INNER_ATTEMPTS: Record<string, string> = {
  "obs and nextObs records": "probe(obs) + probe(nextObs) + probe(Object.getPrototypeOf(obs)) + probe(Object.getOwnPropertyDescriptor(obs, Object.keys(obs)[0]))",
  "numbers, booleans and the action (a number, or a frozen array for box actions)":
    "probe(envReward) + probe(episodeStep) + probe(terminated) + probe(truncated) + probe(action) + probe(action.map) + probe(Array.isArray(action) ? action[Symbol.iterator]() : 0)",
  "an error the realm throws": "(() => { try { null.x; } catch (e) { return probe(e) + probe(e.constructor); } })()",
  "the stack-overflow error": "(() => { const f = () => f() + 1; try { return String(f()); } catch (e) { return probe(e); } })()",
  "re-entering the driver's step": `(() => { const s = globalThis.__rlStudioStep; if (globalThis.reentered) return "contained"; globalThis.reentered = true; let r; try { r = s(); } finally { globalThis.reentered = false; } return probe(s) + probe(r); })()`,
  "getters of the intrinsics": 'probe(Object.getOwnPropertyDescriptor(Object.prototype, "__proto__").get) + probe(Object.getOwnPropertyDescriptor(Function.prototype, "caller").get)',
  // Probing the receiver reads its properties, which calls the get trap again: once is enough.
  "a Proxy's traps": `(() => { let seen = "", inside = false; const p = new Proxy({}, { get(t, k, r) { if (!inside) { inside = true; seen += probe(t) + probe(r); inside = false; } return 1; }, getPrototypeOf(t) { seen += probe(t); return null; }, has(t, k) { seen += probe(t); return true; } }); p.x; Object.getPrototypeOf(p); "y" in p; return seen; })()`,
  "arguments.callee and caller": "(function f() { let r = ''; try { r += probe(arguments.callee); } catch (e) { r += probe(e); } try { r += probe(f.caller); } catch (e) { r += probe(e); } return r; })()",
  "async functions and promise jobs": `(() => { let r = ""; const A = (async () => 0).constructor; r += probe(A); try { r += probe(A("return process")); } catch (e) { r += probe(e); } Promise.resolve().then(() => { globalThis.job = probe(obs); }); r += probe((async () => 0)()); return r; })()`,
  "generator functions": `(() => { let r = ""; const G = (function* () {}).constructor; r += probe(G) + probe((function* () {})()); try { r += probe(G("yield process")().next().value); } catch (e) { r += probe(e); } return r; })()`,
  "eval and the Function constructors": `(() => { let r = ""; for (const f of [() => eval("process"), () => (0, eval)("process"), () => Function("return process")(), () => Reflect.construct(Function, ["return process"])(), () => globalThis.constructor.constructor("return process")()]) { try { r += probe(f()); } catch (e) { r += probe(e); } } return r; })()`,
  "globalThis and this": "probe(globalThis) + probe(this) + probe(Object.getPrototypeOf(globalThis))",
  "Error.prepareStackTrace (CallSites, getThis, getFunction)": `(() => { let r = ""; try { Error.prepareStackTrace = (e, cs) => cs.map((c) => probe(c) + probe(c.getThis()) + probe(c.getFunction())).join(); } catch (e) { r += probe(e); } return r + new Error("x").stack; })()`,
  "prepareStackTrace through a replaced global Error": `(() => { let r = ""; try { globalThis.Error = { prepareStackTrace: (e, cs) => cs.map((c) => probe(c) + probe(c.getThis()) + probe(c.getFunction())).join() }; } catch (e) { r += probe(e); } try { Object.defineProperty(globalThis, "Error", { value: { prepareStackTrace: () => "${REACHED}" } }); } catch (e) { r += probe(e); } return r + new RangeError("x").stack; })()`,
  "Error.captureStackTrace on a candidate object": '(() => { const o = {}; Error.captureStackTrace(o); return probe(o) + o.stack; })()',
  "prototype pollution": `(() => { let r = ""; for (const f of [() => { Object.prototype.polluted = 1; }, () => { Array.prototype.map = null; }, () => { Math.abs = () => 7; }, () => Object.defineProperty(Object.prototype, "x", { get() { return probe(this); } })]) { try { f(); r += "mutated"; } catch (e) { r += probe(e); } } return r; })()`,
};

/** An inner attempt as a component that returns 0 when contained and throws when the host realm was reached. */
export function innerComponent(name: string, attempt: string, marker: string): RewardComponent {
  return {
    name,
    code: `((probe) => { let r; try { r = String(${attempt}); } catch (e) { r = probe(e); } if (r.includes("${REACHED}")) throw new Error(r); return 0; })(${probeSource(marker)})`,
  };
}

/**
 * Attempts through the driver's own handling of what a component returns or throws (describe,
 * error formatting, instanceof): each makes its candidate fail, with the probe results in the failure.
 */
export function driverPathAttempts(marker: string): Record<string, string> {
  const probe = probeSource(marker);
  return {
    "returns an object with Symbol.toPrimitive, valueOf and toString": `((probe) => ({ [Symbol.toPrimitive](hint) { return probe(this) + probe(hint) + probe(arguments); }, valueOf() { return probe(this); }, toString() { return probe(this); } }))(${probe})`,
    "returns a Proxy": `((probe) => new Proxy({}, { get(t, k, r) { return () => probe(t) + probe(r) + probe(k); }, getPrototypeOf(t) { return null; } }))(${probe})`,
    "throws an error whose name and message are getters": `((probe) => { const e = new Error("x"); Object.defineProperty(e, "name", { get() { return probe(this); } }); Object.defineProperty(e, "message", { get() { return probe(this) + probe(arguments); } }); throw e; })(${probe})`,
    "throws a Proxy": `((probe) => { throw new Proxy(new Error("x"), { get(t, k, r) { return probe(t) + probe(r); }, getPrototypeOf(t) { return probe(t) === "contained" ? Error.prototype : null; } }); })(${probe})`,
    "throws an object with Symbol.toPrimitive": `((probe) => { throw { [Symbol.toPrimitive](hint) { return probe(this) + probe(hint); } }; })(${probe})`,
    "a dynamic import() (Node rejects it with an error made in the host's realm)": `((probe) => (import("node:fs").then(() => 0, (e) => probe(e)), 0))(${probe})`,
    "the minimal exploit of issue 9 (HTML-like comments)": minimalExploit(marker),
  };
}
