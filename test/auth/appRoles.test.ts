/**
 * The ID token's `roles` claim, read strictly (auth/appRoles.ts): absent is none; an array of app
 * role values is those roles; any other shape is refused whole, never read as a partial list. The
 * same reading applies to what the session store gives back (sessionState.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasRole, readRolesClaim } from "../../src/auth/appRoles.js";
import { readAccount } from "../../src/session/sessionState.js";

describe("readRolesClaim", () => {
  const read: [what: string, claims: unknown, roles: string[]][] = [
    ["no claims at all", undefined, []],
    ["claims that are null", null, []],
    ["no roles claim", { oid: "x" }, []],
    ["an empty list", { roles: [] }, []],
    ["one role", { roles: ["Admin"] }, ["Admin"]],
    ["two roles, in the token's order", { roles: ["Task.Write", "Admin"] }, ["Task.Write", "Admin"]],
    ["a role listed twice", { roles: ["Admin", "Admin"] }, ["Admin"]],
    ["a role of 120 characters", { roles: ["A".repeat(120)] }, ["A".repeat(120)]],
    [
      "200 roles",
      { roles: Array.from({ length: 200 }, (_, i) => `R${i}`) },
      Array.from({ length: 200 }, (_, i) => `R${i}`),
    ],
    ["punctuation Entra allows", { roles: ["a.b:c/d-e_f"] }, ["a.b:c/d-e_f"]],
  ];
  for (const [what, claims, roles] of read) {
    it(`readRolesClaim, for ${what}, gives ${roles.length} role(s)`, () => {
      assert.deepEqual(readRolesClaim(claims), { ok: true, roles });
    });
  }

  const refused: [what: string, roles: unknown][] = [
    ["a string instead of a list", "Admin"],
    ["a comma-separated string", "Admin,Reader"],
    ["a number", 1],
    ["true", true],
    ["null", null],
    ["an object", { 0: "Admin" }],
    ["a list holding a number", ["Admin", 5]],
    ["a list holding null", ["Admin", null]],
    ["a nested list", [["Admin"]]],
    ["a list holding an object", [{ value: "Admin" }]],
    ["an empty role", ["Admin", ""]],
    ["a role with a space", ["Global Admin"]],
    ["a role with a blank at its end", ["Admin "]],
    ["a role with a double quote", ['Ad"min']],
    ["a role with a newline", ["Admin\nReader"]],
    ["a role with a control character", ["Ad\u0000min"]],
    ["a non-ASCII role", ["Ädmin"]],
    ["a role of 121 characters", ["Admin", "A".repeat(121)]],
    ["a role of a megabyte", ["A".repeat(1 << 20)]],
    ["201 roles", Array.from({ length: 201 }, (_, i) => `R${i}`)],
    ["a sparse list", [, "Admin"]], // eslint-disable-line no-sparse-arrays -- a hole is the input
  ];
  for (const [what, roles] of refused) {
    it(`readRolesClaim, for ${what}, refuses the whole claim`, () => {
      const result = readRolesClaim({ roles });

      assert.equal(result.ok, false);
      assert.ok(!result.ok && !result.reason.includes("Admin"), "the reason names no value");
    });
  }

  it("hasRole, compares exactly (case matters, as Entra issues values)", () => {
    assert.equal(hasRole(["Admin"], "Admin"), true);
    assert.equal(hasRole(["admin"], "Admin"), false);
    assert.equal(hasRole(["Admin "], "Admin"), false);
    assert.equal(hasRole([], "Admin"), false);
    assert.equal(hasRole(undefined, "Admin"), false);
  });
});

describe("readAccount, for roles read back from the store", () => {
  const stored = {
    homeAccountId: "oid.tid",
    name: "Adele",
    username: "adele@contoso.test",
    tenantId: "tid",
    objectId: "oid",
    subject: "sub",
    issuer: "iss",
    signedInAt: 1,
  };
  for (const [what, roles, expected] of [
    ["a list of roles", ["Admin"], ["Admin"]],
    ["no roles field", undefined, undefined],
    ["an empty list", [], undefined],
    ["a string", "Admin", undefined],
    ["a list holding a number", ["Admin", 1], undefined],
    ["an object", { Admin: true }, undefined],
  ] as const) {
    it(`readAccount, with ${what} stored as roles, reads the account with roles ${JSON.stringify(expected)}`, () => {
      const account = readAccount({ account: { ...stored, roles } } as never);

      assert.ok(account, "the account itself still reads");
      assert.deepEqual(account.roles, expected);
    });
  }
});
