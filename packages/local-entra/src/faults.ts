/**
 * The test switches (`tenant.faults`) and their bookkeeping.
 *
 * Guarantees: `faults` is a plain-looking object whose `graph`, `token` and `idToken` properties are
 * accessors, so tests keep writing `tenant.faults.graph = {...}` / `= null`; setting `graph`
 * records the moment (the nbf a claims challenge asks for). A fault with `times` is applied that
 * many times and then set back to null by the tenant itself — only if it is still the fault in
 * force (a test that replaced it in the meantime keeps its new fault). The test's fault objects are
 * never mutated: use counts live in a WeakMap owned by this tenant. Nothing here is module-level.
 */
import type { GraphFault, IdTokenFault, LocalTenantFaults, TokenFault } from "./types.js";

export interface FaultSwitches {
  readonly faults: LocalTenantFaults;
  /** Epoch seconds when `faults.graph` was last set. */
  graphSetAtSeconds(): number;
  /**
   * Call when a request matches `fault`: true → apply it now (and count the use; a fault whose
   * `times` is used up by this use is cleared); false → its `times` was already used up (it is
   * cleared), answer normally.
   */
  useGraphFault(fault: GraphFault): boolean;
  useTokenFault(fault: TokenFault): boolean;
}

function timesOf(fault: object): number | undefined {
  const times = (fault as { times?: unknown }).times;
  return typeof times === "number" && Number.isFinite(times) ? times : undefined;
}

/** `now`: the tenant's clock (a claims challenge is dated by it). */
export function createFaultSwitches(now: () => number): FaultSwitches {
  let graph: GraphFault | null = null;
  let graphSetAtMs = now();
  let token: TokenFault | null = null;
  let idToken: IdTokenFault | null = null;
  const uses = new WeakMap<object, number>();

  const faults: LocalTenantFaults = {
    get graph(): GraphFault | null {
      return graph;
    },
    set graph(value: GraphFault | null) {
      graph = value ?? null;
      graphSetAtMs = now();
    },
    get token(): TokenFault | null {
      return token;
    },
    set token(value: TokenFault | null) {
      token = value ?? null;
    },
    get idToken(): IdTokenFault | null {
      return idToken;
    },
    set idToken(value: IdTokenFault | null) {
      idToken = value ?? null;
    },
  };

  /** Returns whether to apply; `clear` runs when the fault's uses are exhausted. */
  function use(fault: object, clear: () => void): boolean {
    const times = timesOf(fault);
    if (times === undefined) return true;
    const used = uses.get(fault) ?? 0;
    if (used >= times) {
      clear();
      return false;
    }
    uses.set(fault, used + 1);
    if (used + 1 >= times) clear();
    return true;
  }

  return {
    faults,
    graphSetAtSeconds: () => Math.floor(graphSetAtMs / 1000),
    useGraphFault: (fault) =>
      use(fault, () => {
        if (graph === fault) graph = null;
      }),
    useTokenFault: (fault) =>
      use(fault, () => {
        if (token === fault) token = null;
      }),
  };
}
