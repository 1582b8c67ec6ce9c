/**
 * DOMAIN_HINT (a domain name or a tenant id, sent as `domain_hint`) and ADMIN_ROLE (an app role's
 * value, default "Admin"): each class of value in a table, accepted as what it means or refused at
 * start-up with a message that names the setting and never echoes the value.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { VALID, problemsOf } from "./settingsFixtures.js";

const DOMAIN_SHAPE =
  "DOMAIN_HINT: must be a domain name such as contoso.com or a tenant id (a GUID), without scheme, path, @ or spaces";

describe("DOMAIN_HINT", () => {
  const accepted: [value: string, sent: string][] = [
    ["contoso.com", "contoso.com"],
    ["Contoso.COM", "contoso.com"],
    ["contoso.onmicrosoft.com", "contoso.onmicrosoft.com"],
    ["sub.domain.contoso.co.uk", "sub.domain.contoso.co.uk"],
    ["my-company.io", "my-company.io"],
    ["123.example", "123.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["contoso.xn--p1ai", "contoso.xn--p1ai"],
    ["11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555"],
    ["AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"],
    [`${"a".repeat(63)}.com`, `${"a".repeat(63)}.com`],
  ];
  for (const [value, sent] of accepted) {
    it(`DOMAIN_HINT=${value.slice(0, 40)}, is accepted and sent as ${sent.slice(0, 40)}`, () => {
      assert.equal(loadConfig({ ...VALID, DOMAIN_HINT: value }).auth.domainHint, sent);
    });
  }

  it("DOMAIN_HINT, unset or empty, sends none", () => {
    assert.equal(loadConfig(VALID).auth.domainHint, undefined);
    assert.equal(loadConfig({ ...VALID, DOMAIN_HINT: "" }).auth.domainHint, undefined);
  });

  const refused: [what: string, value: string, problem?: string][] = [
    ["a bare word", "contoso"],
    ["a URL", "https://contoso.com"],
    ["a URL without scheme but with a path", "contoso.com/tenant"],
    ["an email address", "adele@contoso.com"],
    ["a UPN suffix with @", "@contoso.com"],
    ["a trailing dot", "contoso.com."],
    ["a leading dot", ".contoso.com"],
    ["two dots in a row", "contoso..com"],
    ["a space inside", "contoso .com"],
    ["blanks around it", " contoso.com "],
    ["a tab", "contoso.com\t"],
    ["a newline", "contoso.com\nevil.com"],
    ["an underscore", "con_toso.com"],
    ["a label starting with a hyphen", "-contoso.com"],
    ["a label ending with a hyphen", "contoso-.com"],
    ["a numeric top-level label", "contoso.123"],
    ["an IP address", "10.0.0.1"],
    ["a port", "contoso.com:443"],
    ["a query", "contoso.com?x=1"],
    ["a wildcard", "*.contoso.com"],
    ["a comma-separated list", "contoso.com,fabrikam.com"],
    ["a GUID with braces", "{11111111-2222-3333-4444-555555555555}"],
    ["a GUID cut short", "11111111-2222-3333-4444-55555555555"],
    ["a label of 64 characters", `${"a".repeat(64)}.com`],
    ["a quote", 'contoso.com"'],
    ["markup", "<script>.com"],
    [
      "an internationalized name",
      "bücher.example",
      `${DOMAIN_SHAPE}; write an internationalized name in its xn-- form`,
    ],
    [
      "a name over 253 characters",
      `${"abcdefghi.".repeat(26)}com`,
      "DOMAIN_HINT: must be at most 253 characters long",
    ],
  ];
  for (const [what, value, problem = DOMAIN_SHAPE] of refused) {
    it(`DOMAIN_HINT, set to ${what}, stops the start with one message naming it`, () => {
      const problems = problemsOf({ ...VALID, DOMAIN_HINT: value });

      assert.deepEqual(problems, [problem]);
    });
  }

  it("DOMAIN_HINT, wrong together with other settings, is named with them in one error", () => {
    const problems = problemsOf({ ...VALID, DOMAIN_HINT: "https://x", ADMIN_ROLE: "has space", PORT: "x" });

    assert.equal(problems.length, 3);
    assert.ok(problems.some((p) => p.startsWith("DOMAIN_HINT: ")));
    assert.ok(problems.some((p) => p.startsWith("ADMIN_ROLE: ")));
    assert.ok(problems.some((p) => p.startsWith("PORT: ")));
  });
});

describe("ADMIN_ROLE", () => {
  it('ADMIN_ROLE, unset, is "Admin"', () => {
    assert.equal(loadConfig(VALID).auth.adminRole, "Admin");
  });

  for (const value of [
    "Admin",
    "Task.Write",
    "app-admin",
    "Ops:Reader",
    "x",
    "A".repeat(120),
    "Role_1!#$%&'()*+,/;<=>?@[]^`{|}~",
  ]) {
    it(`ADMIN_ROLE=${value.slice(0, 40)}, is accepted as is`, () => {
      assert.equal(loadConfig({ ...VALID, ADMIN_ROLE: value }).auth.adminRole, value);
    });
  }

  const problem =
    "ADMIN_ROLE: must be an app role's value: 1 to 120 visible ASCII characters, no spaces or quotes";
  for (const [what, value] of [
    ["a space inside", "Global Admin"],
    ["a blank at an end", "Admin "],
    ["a double quote", 'Ad"min'],
    ["a tab", "Ad\tmin"],
    ["a non-ASCII letter", "Ädmin"],
    ["121 characters", "A".repeat(121)],
    ["a control character", "Ad\u0000min"],
  ] as const) {
    it(`ADMIN_ROLE, with ${what}, stops the start with one message naming it`, () => {
      assert.deepEqual(problemsOf({ ...VALID, ADMIN_ROLE: value }), [problem]);
    });
  }
});
