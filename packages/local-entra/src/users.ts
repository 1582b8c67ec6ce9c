/**
 * The test users of both tenants.
 *
 * Guarantees: fixed oids (stable across restarts, so tests and fixtures can name them), UPNs in the
 * reserved `.test` domains, and one user (Lee Gu) with the nulls real Graph data has (no job title,
 * office, phones, mail or preferred language). TEST_USERS are the primary tenant's (Contoso's)
 * members; the LAST of them (Mallory) is hostile: her displayName, jobTitle, surname and
 * officeLocation hold HTML/script and attribute-breaking quotes, as a Graph profile or token claim
 * may (everything rendering them must escape; the sign-in page does). She is last so that
 * `users[0]` stays a normal user. SECOND_TENANT_USERS are Fabrikam's two members.
 * SECOND_TENANT_GUEST is the one B2B guest: Contoso's Alex Wilber (TEST_USERS[1]) invited to
 * Fabrikam, a user object of its own there (own oid, UPN `alex.wilber_contoso.test#EXT#@fabrikam.test`,
 * userType "Guest", homeOid/homeTenantId naming his Contoso account).
 * `hasPhoto`: users[0] (Adele Vance) and users[2] (Megan Bowen) have a Graph profile photo (see
 * photos.ts); the others (Fabrikam's users and the guest object included) have none, so /me/photo
 * answers them 404 ImageNotFound, as Graph does.
 */
import { DEFAULT_TENANT_ID, SECOND_TENANT_DOMAIN, SECOND_TENANT_ID } from "./tenantIds.js";

export interface LocalTenantUser {
  /** The object id of this user object in the directory that holds it (`tenantId`). */
  oid: string;
  /** The tenant whose directory holds this user object (for a guest: the tenant that invited it). */
  tenantId: string;
  /** The tenant the account belongs to: a member's own tenant; a guest's home tenant. */
  homeTenantId: string;
  /** The account's object id in its home tenant: a member's own oid; for a guest, the home oid. */
  homeOid: string;
  userType: "Member" | "Guest";
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  businessPhones: readonly string[];
  mobilePhone: string | null;
  mail: string | null;
  preferredLanguage: string | null;
  /** Whether GET /v1.0/me/photo and /me/photo/$value answer a photo (else 404 ImageNotFound). */
  hasPhoto: boolean;
}

export const TEST_USERS: readonly LocalTenantUser[] = Object.freeze(
  [
    {
      oid: "4f3c9a2e-6b1d-4c8e-9f70-1a2b3c4d5e01",
      userPrincipalName: "adele.vance@contoso.test",
      displayName: "Adele Vance",
      givenName: "Adele",
      surname: "Vance",
      jobTitle: "Product Marketing Manager",
      officeLocation: "18/2111",
      businessPhones: ["+1 425 555 0109"],
      mobilePhone: "+1 425 555 0110",
      mail: "adele.vance@contoso.test",
      preferredLanguage: "en-US",
      hasPhoto: true,
    },
    {
      oid: "8d1e7b54-2f9a-4e36-b0c1-5a6b7c8d9e02",
      userPrincipalName: "alex.wilber@contoso.test",
      displayName: "Alex Wilber",
      givenName: "Alex",
      surname: "Wilber",
      jobTitle: "Marketing Assistant",
      officeLocation: "131/1104",
      businessPhones: ["+1 858 555 0110"],
      mobilePhone: null,
      mail: "alex.wilber@contoso.test",
      preferredLanguage: "en-GB",
      hasPhoto: false,
    },
    {
      oid: "c27a0f93-5d4b-4a1e-8c62-9b0a1c2d3e03",
      userPrincipalName: "megan.bowen@contoso.test",
      displayName: "Megan Bowen",
      givenName: "Megan",
      surname: "Bowen",
      jobTitle: "Auditor",
      officeLocation: "12/1110",
      businessPhones: ["+1 412 555 0109", "+1 412 555 0111"],
      mobilePhone: "+1 412 555 0112",
      mail: "megan.bowen@contoso.test",
      preferredLanguage: "de-DE",
      hasPhoto: true,
    },
    {
      oid: "e9b5d168-0a7c-4f2d-93e4-d5c6b7a8f904",
      userPrincipalName: "lee.gu@contoso.test",
      displayName: "Lee Gu",
      givenName: "Lee",
      surname: "Gu",
      jobTitle: null,
      officeLocation: null,
      businessPhones: [],
      mobilePhone: null,
      mail: null,
      preferredLanguage: null,
      hasPhoto: false,
    },
    {
      oid: "6a0d3f72-b8e1-4c59-a4d7-0f1e2d3c4b05",
      userPrincipalName: "mallory@contoso.test",
      displayName: "Mallory <script>alert('displayName')</script>",
      givenName: "Mallory",
      surname: `O'Hara"><svg onload=alert(1)>`,
      jobTitle: "<img src=x onerror=alert(1)> Red Team & <b>Co</b>",
      officeLocation: `" onmouseover="alert(2)`,
      businessPhones: ["+1 555 0100 <script>"],
      mobilePhone: null,
      mail: "mallory@contoso.test",
      preferredLanguage: "en-US",
      hasPhoto: false,
    },
  ].map((user) => freezeUser(member(user, DEFAULT_TENANT_ID))),
);

type Profile = Omit<LocalTenantUser, "tenantId" | "homeTenantId" | "homeOid" | "userType">;

function member(profile: Profile, tenantId: string): LocalTenantUser {
  return { ...profile, tenantId, homeTenantId: tenantId, homeOid: profile.oid, userType: "Member" };
}

function freezeUser(user: LocalTenantUser): LocalTenantUser {
  return Object.freeze({ ...user, businessPhones: Object.freeze([...user.businessPhones]) });
}

/** Fabrikam's members (tenant SECOND_TENANT_ID). */
export const SECOND_TENANT_USERS: readonly LocalTenantUser[] = Object.freeze(
  [
    {
      oid: "1f6b3d85-9c2e-4a70-b5d1-8e7f6a5b4c11",
      userPrincipalName: "diego.siciliani@fabrikam.test",
      displayName: "Diego Siciliani",
      givenName: "Diego",
      surname: "Siciliani",
      jobTitle: "HR Manager",
      officeLocation: "14/1108",
      businessPhones: ["+1 205 555 0108"],
      mobilePhone: null,
      mail: "diego.siciliani@fabrikam.test",
      preferredLanguage: "en-US",
      hasPhoto: false,
    },
    {
      oid: "a48c2e17-6d3f-4b98-8e0a-3c5d7e9f1a12",
      userPrincipalName: "isaiah.langer@fabrikam.test",
      displayName: "Isaiah Langer",
      givenName: "Isaiah",
      surname: "Langer",
      jobTitle: "Sales Rep",
      officeLocation: "20/1101",
      businessPhones: ["+1 918 555 0101"],
      mobilePhone: "+1 918 555 0102",
      mail: "isaiah.langer@fabrikam.test",
      preferredLanguage: "fr-FR",
      hasPhoto: false,
    },
  ].map((user) => freezeUser(member(user, SECOND_TENANT_ID))),
);

/** The guest object's fixed oid in Fabrikam (Alex Wilber of Contoso, invited). */
export const SECOND_TENANT_GUEST_OID = "d07e5b29-3f8a-4c61-9b2d-6e4f8a0c2b13";

/** The guest user object for `home` (a member of another tenant) in the tenant `tenantId`. */
export function guestObject(
  home: LocalTenantUser,
  tenantId: string,
  oid: string,
  domain: string,
): LocalTenantUser {
  const alias = home.userPrincipalName.replace("@", "_");
  return freezeUser({
    oid,
    tenantId,
    homeTenantId: home.homeTenantId,
    homeOid: home.oid,
    userType: "Guest",
    userPrincipalName: `${alias}#EXT#@${domain}`,
    displayName: home.displayName,
    givenName: null,
    surname: null,
    jobTitle: null,
    officeLocation: null,
    businessPhones: [],
    mobilePhone: null,
    mail: home.mail,
    preferredLanguage: null,
    hasPhoto: false,
  });
}

/** The home account of the guest (see SECOND_TENANT_GUEST): TEST_USERS[1], Alex Wilber. */
export const GUEST_HOME_USER_INDEX = 1;

/** Alex Wilber of Contoso as a guest in Fabrikam (primary tenant with its default id). */
export const SECOND_TENANT_GUEST: LocalTenantUser = guestObject(
  TEST_USERS[GUEST_HOME_USER_INDEX] as LocalTenantUser,
  SECOND_TENANT_ID,
  SECOND_TENANT_GUEST_OID,
  SECOND_TENANT_DOMAIN,
);

/** The same users as members of `tenantId` (the same objects when it is already theirs). */
export function inTenant(users: readonly LocalTenantUser[], tenantId: string): readonly LocalTenantUser[] {
  if (users.every((user) => user.tenantId === tenantId)) return users;
  return Object.freeze(
    users.map((user) => freezeUser({ ...user, tenantId, homeTenantId: tenantId, homeOid: user.oid })),
  );
}

export function findUser(users: readonly LocalTenantUser[], oid: string): LocalTenantUser | undefined {
  const wanted = oid.toLowerCase();
  return users.find((user) => user.oid === wanted);
}

/** Matches a login_hint against UPN, mail or oid, case-insensitively. */
export function findUserByHint(users: readonly LocalTenantUser[], hint: string): LocalTenantUser | undefined {
  const wanted = hint.trim().toLowerCase();
  return users.find(
    (user) =>
      user.userPrincipalName.toLowerCase() === wanted ||
      (user.mail !== null && user.mail.toLowerCase() === wanted) ||
      user.oid === wanted,
  );
}
