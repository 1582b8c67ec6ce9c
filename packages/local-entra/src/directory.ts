/**
 * The directory: both tenants, their members and guests, and where a sign-in lands.
 *
 * Guarantees:
 * - exactly two tenants: the primary ("Contoso", its id from LocalTenantOptions.tenantId, members
 *   TEST_USERS) and the second ("Fabrikam", SECOND_TENANT_ID, members SECOND_TENANT_USERS, one
 *   guest: Contoso's Alex Wilber as SECOND_TENANT_GUEST); built once per start, never mutated;
 * - an account (what one signs in with) is a member of its home tenant; a user object is looked up
 *   by (tenant, oid), so a guest object is found only in the tenant that invited it;
 * - landing: through `common`/`organizations` an account signs in to its HOME tenant; through a
 *   tenant id, a member of that tenant signs in as itself and an invited guest as its guest object;
 *   anyone else gets AADSTS50020, as at Entra.
 */
import { aadsts } from "./errors.js";
import type { EntraError } from "./errors.js";
import {
  PRIMARY_TENANT_DOMAIN,
  PRIMARY_TENANT_NAME,
  SECOND_TENANT_DOMAIN,
  SECOND_TENANT_ID,
  SECOND_TENANT_NAME,
} from "./tenantIds.js";
import { GUEST_HOME_USER_INDEX, guestObject, SECOND_TENANT_GUEST_OID, SECOND_TENANT_USERS } from "./users.js";
import type { LocalTenantUser } from "./users.js";
import { v1Issuer } from "./wellKnown.js";

export interface DirectoryTenant {
  readonly tenantId: string;
  readonly displayName: string;
  readonly domain: string;
  readonly members: readonly LocalTenantUser[];
  readonly guests: readonly LocalTenantUser[];
}

/** Where a sign-in lands: the tenant, and the user object there (a member, or a guest object). */
export interface Landing {
  tenant: DirectoryTenant;
  user: LocalTenantUser;
  /** The account signed in with (for a guest: its home account). */
  account: LocalTenantUser;
}

export class Directory {
  readonly primary: DirectoryTenant;
  readonly second: DirectoryTenant;
  readonly tenants: readonly DirectoryTenant[];

  constructor(primaryTenantId: string, primaryMembers: readonly LocalTenantUser[]) {
    if (primaryTenantId === SECOND_TENANT_ID) {
      throw new Error(`tenantId must not be the second tenant's id (${SECOND_TENANT_ID})`);
    }
    this.primary = Object.freeze({
      tenantId: primaryTenantId,
      displayName: PRIMARY_TENANT_NAME,
      domain: PRIMARY_TENANT_DOMAIN,
      members: primaryMembers,
      guests: Object.freeze([]),
    });
    const guestHome = primaryMembers[GUEST_HOME_USER_INDEX];
    if (guestHome === undefined) throw new Error("the guest's home user is missing");
    this.second = Object.freeze({
      tenantId: SECOND_TENANT_ID,
      displayName: SECOND_TENANT_NAME,
      domain: SECOND_TENANT_DOMAIN,
      members: SECOND_TENANT_USERS,
      guests: Object.freeze([
        guestObject(guestHome, SECOND_TENANT_ID, SECOND_TENANT_GUEST_OID, SECOND_TENANT_DOMAIN),
      ]),
    });
    this.tenants = Object.freeze([this.primary, this.second]);
  }

  tenant(tenantId: string): DirectoryTenant | undefined {
    const wanted = tenantId.toLowerCase();
    return this.tenants.find((tenant) => tenant.tenantId === wanted);
  }

  /** Every account one can sign in with (the members of both tenants), primary tenant first. */
  accounts(): LocalTenantUser[] {
    return this.tenants.flatMap((tenant) => tenant.members);
  }

  findAccount(oid: string): LocalTenantUser | undefined {
    const wanted = oid.toLowerCase();
    return this.accounts().find((user) => user.oid === wanted);
  }

  /** Matches a login_hint against an account's UPN, mail or oid, case-insensitively. */
  findAccountByHint(hint: string): LocalTenantUser | undefined {
    const wanted = hint.trim().toLowerCase();
    return this.accounts().find(
      (user) =>
        user.userPrincipalName.toLowerCase() === wanted ||
        (user.mail !== null && user.mail.toLowerCase() === wanted) ||
        user.oid === wanted,
    );
  }

  /** A user object (member or guest) of one tenant, by its oid there. */
  findObject(tenantId: string, oid: string): LocalTenantUser | undefined {
    const tenant = this.tenant(tenantId);
    const wanted = oid.toLowerCase();
    return [...(tenant?.members ?? []), ...(tenant?.guests ?? [])].find((user) => user.oid === wanted);
  }

  /** The account's user object in `tenant` (itself, or its guest object), if it has one there. */
  objectIn(tenant: DirectoryTenant, account: LocalTenantUser): LocalTenantUser | undefined {
    if (account.homeTenantId === tenant.tenantId) return account;
    return tenant.guests.find(
      (guest) => guest.homeOid === account.oid && guest.homeTenantId === account.homeTenantId,
    );
  }

  /** The accounts that can sign in to `tenant`: its members, then the home accounts of its guests. */
  accountsOf(tenant: DirectoryTenant): LocalTenantUser[] {
    const guests = tenant.guests
      .map((guest) => this.findAccount(guest.homeOid))
      .filter((account) => account !== undefined);
    return [...tenant.members, ...guests];
  }

  /**
   * Where `account` signing in through `segment` lands: `segment` is a tenant of this directory
   * (signing in there), or undefined for common/organizations (signing in to the home tenant).
   */
  land(
    segment: DirectoryTenant | undefined,
    account: LocalTenantUser,
    clientId: string,
  ): { ok: true; landing: Landing } | { ok: false; error: EntraError } {
    const tenant = segment ?? this.tenant(account.homeTenantId);
    const user = tenant === undefined ? undefined : this.objectIn(tenant, account);
    if (tenant === undefined || user === undefined) {
      return {
        ok: false,
        error: aadsts.userNotInTenant(
          account.userPrincipalName,
          v1Issuer(account.homeTenantId),
          segment?.displayName ?? account.homeTenantId,
          clientId,
        ),
      };
    }
    return { ok: true, landing: { tenant, user, account } };
  }
}
