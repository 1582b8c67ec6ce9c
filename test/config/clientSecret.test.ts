/**
 * CLIENT_SECRET with blanks at its ends (a copy-paste error) or nothing but blanks is refused in
 * every environment, without echoing it: the token endpoint would refuse every sign-in. Entra's
 * secrets (letters, digits and ~._-) pass unchanged.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/loadConfig.js";
import { PRODUCTION, VALID, problemsOf } from "./settingsFixtures.js";

const ONLY_WHITESPACE = "CLIENT_SECRET: is only whitespace";
const BLANK_ENDS =
  "CLIENT_SECRET: has whitespace at its start or end (a copy-paste error?); a client secret never does";

/** Shaped like an Entra client secret (40 characters of letters, digits and ~._-). */
const ENTRA_SECRET = "Qx8Q~p3Zk.Jv_2mWc-Ry7hTn4LbFs9GdAe1UoK0i";

// [CLIENT_SECRET, the one problem]
const refused: [string, string][] = [
  [" ", ONLY_WHITESPACE],
  ["   ", ONLY_WHITESPACE],
  ["\t", ONLY_WHITESPACE],
  ["\n", ONLY_WHITESPACE],
  ["\r\n", ONLY_WHITESPACE],
  ["\u00a0", ONLY_WHITESPACE],
  ["\u3000\u2003", ONLY_WHITESPACE],
  [` ${ENTRA_SECRET}`, BLANK_ENDS],
  [`${ENTRA_SECRET} `, BLANK_ENDS],
  [` ${ENTRA_SECRET} `, BLANK_ENDS],
  [`${ENTRA_SECRET}\n`, BLANK_ENDS],
  [`${ENTRA_SECRET}\r\n`, BLANK_ENDS],
  [`\t${ENTRA_SECRET}`, BLANK_ENDS],
  [`${ENTRA_SECRET}\u00a0`, BLANK_ENDS],
  [`\ufeff${ENTRA_SECRET}`, BLANK_ENDS],
  [`${ENTRA_SECRET}\u2028`, BLANK_ENDS],
];

const accepted = [ENTRA_SECRET, "a-client-secret", "x", "~._-", "0123456789"];

describe("CLIENT_SECRET", () => {
  for (const environment of ["development", "test", "production"]) {
    for (const [secret, problem] of refused) {
      it(`loadConfig, in ${environment} with CLIENT_SECRET=${JSON.stringify(secret.length > 8 ? `${secret.slice(0, 2)}…${secret.slice(-2)}` : secret)}, names CLIENT_SECRET without echoing it`, () => {
        const base = environment === "production" ? PRODUCTION : { ...VALID, NODE_ENV: environment };

        const problems = problemsOf({ ...base, CLIENT_SECRET: secret });

        assert.deepEqual(problems, [problem]);
        assert.ok(!problems[0]!.includes(ENTRA_SECRET.slice(0, 8)));
      });
    }
  }

  for (const secret of accepted) {
    it(`loadConfig, with CLIENT_SECRET=${JSON.stringify(secret.slice(0, 6))}…, passes it on unchanged`, () => {
      const config = loadConfig({ ...VALID, CLIENT_SECRET: secret });

      assert.deepEqual(config.auth.credential, { kind: "secret", secret });
    });
  }

  it("loadConfig, with a blank CLIENT_SECRET next to a certificate path, reports the blank secret only", () => {
    const problems = problemsOf({
      ...VALID,
      CLIENT_SECRET: "  ",
      CLIENT_CERTIFICATE_PATH: "/etc/app/client.pem",
    });

    assert.deepEqual(problems, [ONLY_WHITESPACE]);
  });
});
