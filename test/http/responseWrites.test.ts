/**
 * A signed-in page view goes out in one write. express-session holds back a response's last byte
 * until the store's touch answers; a touch that answered on a later turn (even with nothing to write,
 * the common case) split every page into two writes: two system calls, and on a network two packets,
 * the second one waiting for the store. Counted at the server socket's handle, on both stores, through
 * the app's whole wiring (the store deadline included).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";
import type { TestApp } from "../support/testApp.js";
import type { TestClient } from "../support/testClient.js";

/** Counts the writes each accepted connection hands to its handle (one per system call at most). */
function countHandleWrites(app: TestApp): { count: number; methods: string[] } {
  const writes = { count: 0, methods: [] as string[] };
  app.server.on("connection", (socket: Socket) => {
    const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
    const methods: string[] = [];
    for (let proto: unknown = handle; proto; proto = Object.getPrototypeOf(proto)) {
      methods.push(
        ...Object.getOwnPropertyNames(proto).filter((name) => /^write(v|Buffer|\w+String)$/.test(name)),
      );
    }
    writes.methods = methods;
    for (const name of methods) {
      const original = handle[name] as (...args: unknown[]) => unknown;
      handle[name] = (...args: unknown[]) => {
        writes.count += 1;
        return original.apply(handle, args);
      };
    }
  });
  return writes;
}

const stores: Array<[name: string, env: Record<string, string>]> = [
  ["sqlite", {}],
  [
    "redis",
    {
      SESSION_STORE: "redis",
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `responseWrites-${randomUUID()}:`,
    },
  ],
];

/** Pages a signed-in person views without changing the session. */
const PAGES = ["/", "/profile", "/session", "/no-such-page", "/healthz"];

for (const [store, env] of stores) {
  describe(`responses on the ${store} store`, () => {
    let app: TestApp;
    let client: TestClient;
    let writes: ReturnType<typeof countHandleWrites>;
    before(async () => {
      app = await startTestApp({ env });
      writes = countHandleWrites(app);
      client = app.newClient();
      await signIn(app, client);
    });
    after(() => app.close());

    for (const path of PAGES) {
      it(`GET ${path}, viewed again within the touch interval, is sent in one write`, async () => {
        await client.get(`${app.baseUrl}${path}`);
        const before = writes.count;

        const page = await client.get(`${app.baseUrl}${path}`);

        assert.ok(page.body.length > 0);
        assert.ok(
          writes.methods.includes("writev"),
          `the handle's write methods: ${writes.methods.join(", ")}`,
        );
        assert.equal(writes.count - before, 1, `${path}: ${writes.count - before} writes`);
      });
    }

    it("a page view that does extend the session still answers whole (its touch is written first)", async () => {
      const touchesBefore = app.storeCalls.touch;
      const fresh = app.newClient();
      await signIn(app, fresh);

      const page = await fresh.get(`${app.baseUrl}/`);

      assert.equal(page.status, 200);
      assert.match(page.body, /<\/html>\s*$/);
      assert.ok(app.storeCalls.touch > touchesBefore);
    });
  });
}
