/**
 * App roles: the values of the ID token's `roles` claim (the app roles the user is assigned, directly
 * or through a group, in the app's enterprise application). The claim is outside input: anything but
 * an array of short role values counts as no role at all, never as a partial list.
 */

/** Entra limits an app role's value to 120 characters without spaces; longer is not an app role. */
export const MAX_ROLE_VALUE_LENGTH = 120;
/** More roles than any one user is assigned in practice; a longer list is not believed. */
export const MAX_ROLES = 200;

export const APP_ROLE_VALUE_RULE = `must be an app role's value: 1 to ${MAX_ROLE_VALUE_LENGTH} visible ASCII characters, no spaces or quotes`;

/** What Entra allows as an app role's value: printable ASCII, no space, no double quote. */
export function isAppRoleValue(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length > 0 &&
    value.length <= MAX_ROLE_VALUE_LENGTH &&
    /^[\x21\x23-\x7e]+$/.test(value)
  );
}

export type RolesClaim =
  | { ok: true; roles: readonly string[] }
  /** `reason` is for the log: it names the shape, never the values. */
  | { ok: false; reason: string };

/** The `roles` claim read strictly: absent is none; a claim of another shape is refused whole. */
export function readRolesClaim(claims: unknown): RolesClaim {
  const roles: unknown =
    typeof claims === "object" && claims !== null ? (claims as { roles?: unknown }).roles : undefined;
  if (roles === undefined) return { ok: true, roles: [] };
  if (!Array.isArray(roles))
    return { ok: false, reason: `the roles claim is a ${typeof roles}, not an array` };
  if (roles.length > MAX_ROLES) return { ok: false, reason: `the roles claim lists ${roles.length} roles` };
  // Array.from turns a sparse array's holes into undefined, which `every` alone would skip.
  if (!Array.from(roles).every(isAppRoleValue)) {
    return { ok: false, reason: "the roles claim holds a value that is not an app role's value" };
  }
  // A role listed twice says nothing more.
  return { ok: true, roles: [...new Set(roles as string[])] };
}

/** Whether the account holds `role`: app role values are compared exactly, as Entra issues them. */
export function hasRole(roles: readonly string[] | undefined, role: string): boolean {
  return roles?.includes(role) === true;
}
