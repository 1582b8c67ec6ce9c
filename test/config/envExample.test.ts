/**
 * .env.example, copied to .env unchanged, still starts the app (in local mode, as its first lines
 * say), whatever rules the settings gain; and it documents the settings the start-up checks name.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import dotenv from "dotenv";
import { loadConfig } from "../../src/config/loadConfig.js";
import { localSettings, PLACEHOLDER_TENANT, planLocalMode, wantsLocalMode } from "../../src/localMode.js";

const example = dotenv.parse(readFileSync(new URL("../../.env.example", import.meta.url)));

describe(".env.example", () => {
  it(".env.example, copied unchanged, passes the local-mode checks with its documented values", () => {
    assert.ok(wantsLocalMode(example));

    const config = loadConfig(localSettings(example, planLocalMode(example), PLACEHOLDER_TENANT));

    assert.equal(config.port, 3000);
    assert.equal(config.logLevel, "info");
    assert.equal(config.localTenantPort, 0);
    assert.equal(config.trustProxy, false);
  });

  for (const name of [
    "LOG_LEVEL",
    "LOCAL_TENANT_PORT",
    "TRUST_PROXY",
    "PORT",
    "EXPRESS_SESSION_PREVIOUS_SECRETS",
    "DOMAIN_HINT",
    "ADMIN_ROLE",
    "CLIENT_SECRET_FILE",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
  ]) {
    it(`.env.example, for ${name}, has an entry`, () => {
      assert.ok(Object.hasOwn(example, name));
    });
  }
});
