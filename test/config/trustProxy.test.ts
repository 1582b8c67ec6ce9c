/**
 * TRUST_PROXY takes the forms of Express's `trust proxy` (a boolean, a hop count, addresses, subnets
 * and Express's names), each entry checked with a message naming TRUST_PROXY; and an https
 * REDIRECT_URI without a trusted proxy cannot start, since its Secure session cookie would never be
 * set by this plain-http server.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import express from "express";
import { loadConfig } from "../../src/config/loadConfig.js";
import { PRODUCTION, VALID, problemsOf } from "./settingsFixtures.js";

// [TRUST_PROXY, what the app hands Express]
const accepted: [string | undefined, boolean | number | string[]][] = [
  [undefined, false],
  ["", false],
  ["false", false],
  ["true", true],
  [" true ", true],
  ["1", 1],
  ["2", 2],
  ["10", 10],
  ["100", 100],
  ["loopback", ["loopback"]],
  ["linklocal", ["linklocal"]],
  ["uniquelocal", ["uniquelocal"]],
  ["loopback, linklocal, uniquelocal", ["loopback", "linklocal", "uniquelocal"]],
  ["10.0.0.1", ["10.0.0.1"]],
  ["10.0.0.0/8", ["10.0.0.0/8"]],
  ["172.16.0.0/12,192.168.0.0/16", ["172.16.0.0/12", "192.168.0.0/16"]],
  [" 10.0.0.1 , loopback ", ["10.0.0.1", "loopback"]],
  ["128.0.0.0/1", ["128.0.0.0/1"]],
  ["10.1.2.3/32", ["10.1.2.3/32"]],
  ["::1", ["::1"]],
  ["::1/128", ["::1/128"]],
  ["fe80::/10", ["fe80::/10"]],
  ["2001:db8::/32", ["2001:db8::/32"]],
  ["2001:DB8::1", ["2001:DB8::1"]],
  ["::/1", ["::/1"]],
  ["::ffff:10.0.0.1", ["::ffff:10.0.0.1"]],
  ["::ffff:10.0.0.0/104", ["::ffff:10.0.0.0/104"]],
  ["loopback,10.0.0.0/8,2001:db8::/32", ["loopback", "10.0.0.0/8", "2001:db8::/32"]],
];

// [TRUST_PROXY, what the one problem says after "TRUST_PROXY: "]
const NOT_A_FORM =
  "is not one of true, false, a hop count (1 to 100), or a comma-separated list of IP addresses, subnets (address/prefix) and loopback, linklocal, uniquelocal";
const NOT_AN_ADDRESS =
  "is not an IP address, a subnet (address/prefix) or one of loopback, linklocal, uniquelocal";
const STANDS_ALONE = "cannot be combined with other entries (true, false and a hop count stand alone)";
const refused: [string, string[]][] = [
  ["yes", [`"yes" ${NOT_A_FORM}`]],
  ["TRUE", [`"TRUE" ${NOT_A_FORM}`]],
  ["True", [`"True" ${NOT_A_FORM}`]],
  ["on", [`"on" ${NOT_A_FORM}`]],
  ["*", [`"*" ${NOT_A_FORM}`]],
  ["LOOPBACK", [`"LOOPBACK" ${NOT_A_FORM}`]],
  ["localhost", [`"localhost" ${NOT_A_FORM}`]],
  ["proxy.internal", [`"proxy.internal" ${NOT_A_FORM}`]],
  ["-1", [`"-1" ${NOT_A_FORM}`]],
  ["1.5", [`"1.5" ${NOT_A_FORM}`]],
  ["0x1", [`"0x1" ${NOT_A_FORM}`]],
  ["0", ["a hop count must be from 1 to 100 (false trusts no proxy)"]],
  ["101", ["a hop count must be from 1 to 100 (false trusts no proxy)"]],
  ["99999999999999999999", ["a hop count must be from 1 to 100 (false trusts no proxy)"]],
  ["10.0.0.256", [`"10.0.0.256" ${NOT_A_FORM}`]],
  ["010.0.0.1", [`"010.0.0.1" ${NOT_A_FORM}`]],
  ["10.0.0", [`"10.0.0" ${NOT_A_FORM}`]],
  ["10.0.0.0/33", ['"10.0.0.0/33" needs a prefix length from 1 to 32 after the "/"']],
  ["0.0.0.0/0", ['"0.0.0.0/0" needs a prefix length from 1 to 32 after the "/"']],
  ["::/0", ['"::/0" needs a prefix length from 1 to 128 after the "/"']],
  ["10.0.0.0/-1", ['"10.0.0.0/-1" needs a prefix length from 1 to 32 after the "/"']],
  ["10.0.0.0/", ['"10.0.0.0/" needs a prefix length from 1 to 32 after the "/"']],
  ["10.0.0.0/8.0", ['"10.0.0.0/8.0" needs a prefix length from 1 to 32 after the "/"']],
  ["10.0.0.0/255.0.0.0", ['"10.0.0.0/255.0.0.0" needs a prefix length from 1 to 32 after the "/"']],
  ["10.0.0.0/8/8", [`"10.0.0.0/8/8" ${NOT_A_FORM}`]],
  ["::1/129", ['"::1/129" needs a prefix length from 1 to 128 after the "/"']],
  ["::ffff:10.0.0.0/95", ['"::ffff:10.0.0.0/95" needs a prefix length from 96 to 128 after the "/"']],
  ["fe80::1%eth0", ['"fe80::1%eth0" has an IPv6 zone id (%…), which Express never matches']],
  ["2001:db8:::1", [`"2001:db8:::1" ${NOT_A_FORM}`]],
  ["10.0.0.1 10.0.0.2", [`"10.0.0.1 10.0.0.2" ${NOT_A_FORM}`]],
  ["10.0.0.1;10.0.0.2", [`"10.0.0.1;10.0.0.2" ${NOT_A_FORM}`]],
  ["10.0.0.1,", ['entry 2 "" is empty']],
  [",10.0.0.1", ['entry 1 "" is empty']],
  ["10.0.0.1,,10.0.0.2", ['entry 2 "" is empty']],
  ["true,10.0.0.1", [`entry 1 "true" ${STANDS_ALONE}`]],
  ["10.0.0.1,false", [`entry 2 "false" ${STANDS_ALONE}`]],
  ["1,10.0.0.1", [`entry 1 "1" ${STANDS_ALONE}`]],
  [
    "10.0.0.1,proxy,10.0.0.0/40",
    [
      `entry 2 "proxy" ${NOT_AN_ADDRESS}`,
      'entry 3 "10.0.0.0/40" needs a prefix length from 1 to 32 after the "/"',
    ],
  ],
  ["loopback,Linklocal", [`entry 2 "Linklocal" ${NOT_AN_ADDRESS}`]],
  [`${"9".repeat(80)}.example`, [`"${"9".repeat(64)}…" ${NOT_A_FORM}`]],
];

describe("TRUST_PROXY forms", () => {
  for (const [value, expected] of accepted) {
    it(`loadConfig, with TRUST_PROXY=${JSON.stringify(value)}, trusts ${JSON.stringify(expected)}`, () => {
      const config = loadConfig({ ...VALID, TRUST_PROXY: value });

      assert.deepEqual(config.trustProxy, expected);
    });

    it(`loadConfig, with TRUST_PROXY=${JSON.stringify(value)}, gives Express a value it compiles`, () => {
      const config = loadConfig({ ...VALID, TRUST_PROXY: value });
      const app = express();

      // Express compiles the setting at once and throws on what it cannot read.
      app.set("trust proxy", config.trustProxy);
      const trusts = app.get("trust proxy fn") as (address: string, hop: number) => boolean;

      assert.equal(typeof trusts("127.0.0.1", 0), "boolean");
    });
  }

  for (const [value, expected] of refused) {
    it(`loadConfig, with TRUST_PROXY=${JSON.stringify(value.slice(0, 24))}, names TRUST_PROXY and the entry`, () => {
      const problems = problemsOf({ ...VALID, TRUST_PROXY: value });

      assert.deepEqual(
        problems,
        expected.map((message) => `TRUST_PROXY: ${message}`),
      );
    });
  }

  // [TRUST_PROXY, peer address, trusted]: what the setting means once Express has it.
  const meaning: [string, string, boolean][] = [
    ["loopback", "127.0.0.1", true],
    ["loopback", "::1", true],
    ["loopback", "10.0.0.1", false],
    ["10.0.0.0/8", "10.200.3.4", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["10.0.0.0/8", "::ffff:10.1.2.3", true],
    ["::ffff:10.0.0.0/104", "10.9.9.9", true],
    ["2001:db8::/32", "2001:db8:1::7", true],
    ["2001:db8::/32", "2001:db9::7", false],
    ["uniquelocal", "192.168.1.1", true],
    ["1", "203.0.113.9", true],
    ["false", "127.0.0.1", false],
  ];
  for (const [value, peer, trusted] of meaning) {
    it(`loadConfig, with TRUST_PROXY=${value}, makes Express ${trusted ? "trust" : "distrust"} a proxy at ${peer}`, () => {
      const app = express();

      app.set("trust proxy", loadConfig({ ...VALID, TRUST_PROXY: value }).trustProxy);
      const trusts = app.get("trust proxy fn") as (address: string, hop: number) => boolean;

      assert.equal(trusts(peer, 0), trusted);
    });
  }
});

describe("an https REDIRECT_URI and TRUST_PROXY", () => {
  const NEEDED =
    "TRUST_PROXY: must name the TLS-terminating proxy because REDIRECT_URI is https: this server speaks plain http, so TLS ends at a reverse proxy that must send X-Forwarded-Proto: https, and the app must trust it (TRUST_PROXY=1 for one proxy in front of the app, or the proxy's addresses); otherwise the Secure session cookie is never set and every sign-in fails";
  const HTTPS = "https://app.example/auth/redirect";
  const HTTP = "http://localhost:3000/auth/redirect";

  // [NODE_ENV, REDIRECT_URI, TRUST_PROXY, starts]
  const cases: [string, string | undefined, string | undefined, boolean][] = [
    ["production", HTTPS, undefined, false],
    ["production", HTTPS, "", false],
    ["production", HTTPS, "false", false],
    ["development", HTTPS, undefined, false],
    ["development", HTTPS, "false", false],
    ["test", HTTPS, undefined, false],
    ["test", HTTPS, "false", false],
    [undefined as unknown as string, HTTPS, undefined, false],
    ["production", HTTPS, "true", true],
    ["production", HTTPS, "1", true],
    ["production", HTTPS, "2", true],
    ["production", HTTPS, "loopback", true],
    ["production", HTTPS, "10.0.0.0/8", true],
    ["production", HTTPS, "10.0.0.5,10.0.0.6", true],
    ["production", HTTPS, "fd00::/8", true],
    ["development", HTTPS, "1", true],
    ["test", HTTPS, "true", true],
    ["development", HTTP, undefined, true],
    ["development", HTTP, "false", true],
    ["development", undefined, undefined, true],
    ["test", HTTP, "true", true],
    ["development", HTTP, "1", true],
  ];
  for (const [nodeEnv, redirectUri, trustProxy, starts] of cases) {
    it(`loadConfig, in ${nodeEnv ?? "(unset)"} with REDIRECT_URI ${redirectUri ?? "(default)"} and TRUST_PROXY=${JSON.stringify(trustProxy)}, ${starts ? "starts" : "refuses, naming TRUST_PROXY and why"}`, () => {
      const env = { ...PRODUCTION, NODE_ENV: nodeEnv, REDIRECT_URI: redirectUri, TRUST_PROXY: trustProxy };

      if (starts) {
        const config = loadConfig(env);
        assert.equal(config.session.secureCookie, redirectUri === HTTPS);
      } else {
        assert.deepEqual(problemsOf(env), [NEEDED]);
      }
    });
  }
});
