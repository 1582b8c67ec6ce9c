/**
 * SQLite faults through the real app (the real store on a real file, local tenant over HTTPS): a
 * second real connection holds the write lock, drops the table or garbles a session, and each row of
 * the table records what a signed-in user, a sign-out, a sign-in being completed and the readiness
 * probe get. No fault may end the process: a cookieless page and /healthz keep answering 200, and once
 * the fault is gone, signing in works again. Then the process itself: an unusable SQLITE_PATH stops
 * server.ts before it listens, with one line naming the setting.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { freePort } from "../support/freePort.js";
import { isSessionLive, sessionIdFromCookie, writeRawSessionText } from "../support/sessionRows.js";
import { authorizeAtTenant, signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

interface Outcome {
  profile: number;
  signOut: number;
  completeSignIn: number;
  readiness: number;
  /** The signed-in user's next page once the fault is gone: 200 (still signed in) or 303 (to sign in). */
  profileAfter: number;
}

interface Fault {
  name: string;
  /** Makes the fault on the app's file for these sessions; returns what ends it. */
  make(sqlitePath: string, sids: string[]): () => void;
  expected: Outcome;
}

const UNAVAILABLE = 503;
const SIGNED_OUT = 303;

/** A session row replaced by text that is not a session: the browser counts as signed out. */
const garbled = (text: string): Fault => ({
  name: `a session whose stored text is ${JSON.stringify(text)}`,
  make: (sqlitePath, sids) => {
    for (const sid of sids) writeRawSessionText(sqlitePath, sid, text);
    return () => undefined;
  },
  expected: {
    profile: SIGNED_OUT,
    signOut: SIGNED_OUT,
    completeSignIn: SIGNED_OUT,
    readiness: 200,
    profileAfter: SIGNED_OUT,
  },
});

const faults: Fault[] = [
  {
    // Under WAL a writer's lock lets reads through: pages are served, writes wait ~100 ms, then fail.
    name: "a write lock held by another connection",
    make: (sqlitePath) => {
      const other = new Database(sqlitePath);
      other.exec("BEGIN EXCLUSIVE");
      return () => {
        other.exec("ROLLBACK");
        other.close();
      };
    },
    expected: {
      profile: 200,
      signOut: UNAVAILABLE,
      completeSignIn: UNAVAILABLE,
      readiness: 200,
      profileAfter: 200,
    },
  },
  {
    // The sessions went with the table; once it is back (a restart recreates it), people sign in again.
    name: "the sessions table dropped by another connection",
    make: (sqlitePath) => {
      const other = new Database(sqlitePath);
      // Put back exactly what the store made (the table, its columns and indexes) once the fault ends.
      const schema = other
        .prepare(
          "SELECT sql FROM sqlite_master WHERE tbl_name = 'sessions' AND sql IS NOT NULL ORDER BY type DESC",
        )
        .all() as { sql: string }[];
      other.exec("DROP TABLE sessions");
      return () => {
        for (const { sql } of schema) other.exec(sql);
        other.close();
      };
    },
    expected: {
      profile: UNAVAILABLE,
      signOut: UNAVAILABLE,
      completeSignIn: UNAVAILABLE,
      readiness: UNAVAILABLE,
      profileAfter: SIGNED_OUT,
    },
  },
  garbled("not json"),
  garbled("[1,2]"),
  garbled('{"no":"cookie"}'),
];

describe("SQLite faults under traffic", () => {
  let app: TestApp;
  const escaped: unknown[] = [];
  const recordEscape = (reason: unknown) => void escaped.push(reason);
  before(async () => {
    process.on("unhandledRejection", recordEscape);
    app = await startTestApp();
  });
  after(async () => {
    process.off("unhandledRejection", recordEscape);
    await app.close();
  });

  const sidOf = (client: TestClient) => sessionIdFromCookie(client.cookie(app.baseUrl, "sid")!);

  async function signedInWithSignOutForm(): Promise<{ client: TestClient; csrf: string }> {
    const client = app.newClient();
    await signIn(app, client);
    const home = await client.get(`${app.baseUrl}/`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)?.[1];
    assert.ok(csrf, "a signed-in page has the sign-out form");
    return { client, csrf };
  }

  for (const fault of faults) {
    it(`the app, under ${fault.name}, answers as the table says and keeps serving`, async () => {
      const reader = await signedInWithSignOutForm();
      const leaver = await signedInWithSignOutForm();
      const arriving = app.newClient();
      const { callbackUrl } = await authorizeAtTenant(app, arriving);
      const end = fault.make(app.sqlitePath, [sidOf(reader.client), sidOf(leaver.client)]);

      const profile = await reader.client.get(`${app.baseUrl}/profile`);
      const signOut = await leaver.client.postForm(`${app.baseUrl}/auth/signout`, { _csrf: leaver.csrf });
      const completeSignIn = await arriving.get(callbackUrl);
      const readiness = await app.newClient().get(`${app.baseUrl}/readyz`);
      const home = await app.newClient().get(`${app.baseUrl}/`);
      const health = await app.newClient().get(`${app.baseUrl}/healthz`);
      end();
      const profileAfter = await reader.client.get(`${app.baseUrl}/profile`);
      const newcomer = app.newClient();
      await signIn(app, newcomer);
      const newcomerProfile = await newcomer.get(`${app.baseUrl}/profile`);

      assert.deepEqual(
        {
          profile: profile.status,
          signOut: signOut.status,
          completeSignIn: completeSignIn.status,
          readiness: readiness.status,
          profileAfter: profileAfter.status,
        },
        fault.expected,
      );
      for (const page of [profile, signOut, completeSignIn].filter((r) => r.status === UNAVAILABLE)) {
        assert.match(page.body, /temporarily unavailable/, "the 503 page");
        assert.equal(page.headers["retry-after"], "5");
      }
      if (fault.expected.profile === SIGNED_OUT) {
        assert.equal(
          isSessionLive(app.sqlitePath, sidOf(reader.client)),
          false,
          "the garbled row is deleted",
        );
      }
      assert.equal(home.status, 200, "the process keeps serving");
      assert.equal(health.status, 200);
      assert.equal(newcomerProfile.status, 200, "with the fault gone, signing in works again");
      assert.deepEqual(escaped, [], "no promise was left rejected");
    });
  }
});

describe("the server process with an unusable SQLITE_PATH", () => {
  const SERVER = fileURLToPath(new URL("../../src/server.ts", import.meta.url));
  const TSX = import.meta.resolve("tsx");
  const cwd = mkdtempSync(join(tmpdir(), "sqlite-path-test-"));
  after(() => rmSync(cwd, { recursive: true, force: true }));

  async function startServer(sqlitePath: string) {
    const child = spawn(process.execPath, ["--conditions=source", "--import", TSX, SERVER], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "development",
        PORT: String(await freePort()),
        SQLITE_PATH: sqlitePath,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // A server that started after all must not outlive the test.
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const [code] = (await once(child, "exit")) as [number | null];
    clearTimeout(killer);
    return { code, stdout, stderr };
  }

  it("server.ts, with SQLITE_PATH a directory or a file that is not a database, exits 1 with one line naming it", async () => {
    const directory = join(cwd, "data");
    mkdirSync(directory);
    const notADatabase = join(cwd, "notes.txt");
    writeFileSync(notADatabase, "These are notes, not a database. ".repeat(100));
    const cases: [path: string, reason: string][] = [
      [directory, "it is a directory, not a file"],
      [notADatabase, "file is not a database"],
    ];

    // The in-process table in createSessionStore.test.ts covers the other unusable paths.
    const runs = await Promise.all(cases.map(([path]) => startServer(path)));

    for (const [index, { code, stdout, stderr }] of runs.entries()) {
      const [path, reason] = cases[index]!;
      assert.equal(code, 1, stderr);
      assert.equal(stderr, `Could not start: SQLITE_PATH (${path}) cannot hold the sessions: ${reason}\n`);
      assert.doesNotMatch(stdout, /listening on/, "it never listened");
    }
  });
});
