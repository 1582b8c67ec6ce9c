/**
 * Settings the config tests start from: the smallest valid set, and a valid production set (https
 * behind a trusted proxy, random secrets, a key ring). Tests change one or a few variables of these.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { LoadConfigOptions } from "../../src/config/loadConfig.js";
import { ConfigError } from "../../src/errors.js";

export type Env = Record<string, string | undefined>;

export const VALID: Env = {
  TENANT_ID: "11111111-2222-3333-4444-555555555555",
  CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  CLIENT_SECRET: "a-client-secret",
  EXPRESS_SESSION_SECRET: "s".repeat(40),
};

/** Random values drawn once, as an operator would generate them. */
export const STRONG_SESSION_SECRET = "K0dwUPnrQNNARxqkqy33fPuOdkf-DDeM11NN08-pqF8";
export const STRONG_PREVIOUS_SECRET = "BGZV3_xmQMdWywXTY0WpT8EEz95AUtukKhRohdyWVkY";
export const STRONG_KEY_RING = "k1:hGgOqBOGxIfNt6YFwQu1bEhx3zI1IREW7DYrNKIOCcI=";

export const PRODUCTION: Env = {
  ...VALID,
  NODE_ENV: "production",
  REDIRECT_URI: "https://app.example/auth/redirect",
  // "true" rather than a hop count, so that the same settings also load in older versions.
  TRUST_PROXY: "true",
  EXPRESS_SESSION_SECRET: STRONG_SESSION_SECRET,
  TOKEN_CACHE_KEYS: STRONG_KEY_RING,
};

/** Every problem loadConfig reports for `env`; fails the test when it accepts the settings. */
export function problemsOf(env: Env, options?: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("loadConfig accepted invalid settings");
}
