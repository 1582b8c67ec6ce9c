/**
 * The tenant's test users.
 *
 * Guarantees: fixed oids (stable across restarts, so tests and fixtures can name them), UPNs in the
 * reserved `.test` domain, and one user (Lee Gu) with the nulls real Graph data has (no job title,
 * office, phones, mail or preferred language). The LAST user (Mallory) is hostile: her displayName,
 * jobTitle, surname and officeLocation hold HTML/script and attribute-breaking quotes, as a Graph
 * profile or token claim may (everything rendering them must escape; the sign-in page does). She
 * is last so that `users[0]` stays a normal user. Every user's home tenant is this tenant.
 * `hasPhoto`: users[0] (Adele Vance) and users[2] (Megan Bowen) have a Graph profile photo (see
 * photos.ts); the others have none, so /me/photo answers them 404 ImageNotFound, as Graph does.
 */

export interface LocalTenantUser {
  oid: string;
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
  ].map((user) => Object.freeze({ ...user, businessPhones: Object.freeze([...user.businessPhones]) })),
);

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
