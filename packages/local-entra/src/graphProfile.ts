/**
 * The /me profile in Graph's exact JSON shape, with $select.
 *
 * Guarantees: without $select the body is exactly Graph's default user projection, in Graph's key
 * order: @odata.context, businessPhones, displayName, givenName, jobTitle, mail, mobilePhone,
 * officeLocation, preferredLanguage, surname, userPrincipalName, id (nulls kept as null). With
 * $select (comma-separated, case-insensitive) only the selected properties are returned and the
 * context becomes `…#users(a,b)/$entity`; `userType` ("Member"/"Guest") is selectable but not in the
 * default projection, as in Graph; an unknown property is a 400 like Graph's.
 */
import type { LocalTenantUser } from "./users.js";

export const PROFILE_FIELDS = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

/** Not in Graph's default projection, but selectable (`$select=userType`: "Member" or "Guest"). */
export const EXTRA_PROFILE_FIELDS = ["userType"] as const;
const ALL_FIELDS = [...PROFILE_FIELDS, ...EXTRA_PROFILE_FIELDS] as const;

export type ProfileField = (typeof ALL_FIELDS)[number];

const BY_LOWER: ReadonlyMap<string, ProfileField> = new Map<string, ProfileField>(
  ALL_FIELDS.map((field) => [field.toLowerCase(), field]),
);
const CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#users";

export type SelectResult = { ok: true; fields: ProfileField[] | undefined } | { ok: false; message: string };

export function parseSelect(raw: string | undefined): SelectResult {
  if (raw === undefined) return { ok: true, fields: undefined };
  const fields: ProfileField[] = [];
  for (const item of raw.split(",")) {
    const name = item.trim();
    if (name === "") continue;
    const field = BY_LOWER.get(name.toLowerCase());
    if (field === undefined) {
      return {
        ok: false,
        message: `Could not find a property named '${name}' on type 'microsoft.graph.user'.`,
      };
    }
    if (!fields.includes(field)) fields.push(field);
  }
  return { ok: true, fields: fields.length === 0 ? undefined : fields };
}

function valueOf(user: LocalTenantUser, field: ProfileField): unknown {
  return field === "id" ? user.oid : field === "businessPhones" ? [...user.businessPhones] : user[field];
}

export function profileBody(
  user: LocalTenantUser,
  selected: ProfileField[] | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    "@odata.context":
      selected === undefined ? `${CONTEXT}/$entity` : `${CONTEXT}(${selected.join(",")})/$entity`,
  };
  for (const field of ALL_FIELDS) {
    const shown =
      selected === undefined
        ? (PROFILE_FIELDS as readonly string[]).includes(field)
        : selected.includes(field);
    if (shown) body[field] = valueOf(user, field);
  }
  return body;
}
