import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { closeGracefully } from "../../src/http/closeGracefully.js";
import { signIn } from "../support/signIn.js";
import { startTestApp } from "../support/testApp.js";

describe("graceful shutdown", () => {
  it("closeGracefully, with a request in flight, lets it finish, then refuses new connections", async () => {
    const app = await startTestApp({
      env: { SESSION_STORE: "redis", REDIS_KEY_PREFIX: `test-shutdown-${Date.now()}:` },
    });
    try {
      const client = app.newClient();
      await signIn(app, client);
      // Graph hangs until the app's 1.5 s deadline: the request is in flight when shutdown starts.
      app.tenant.faults.graph = { hang: true };
      const graphCalls = app.tenant.counters.graphMe;
      const inFlight = client.get(`${app.baseUrl}/profile`);
      // In flight for sure (not after a guessed pause, which a busy machine can outlast): it has reached Graph.
      for (let i = 0; i < 500 && app.tenant.counters.graphMe === graphCalls; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(app.tenant.counters.graphMe > graphCalls, "the request reached Graph before the shutdown");

      const closing = closeGracefully(app.server, 10_000);
      const response = await inFlight;
      await closing;
      const afterClose = await new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(app.baseUrl).port), "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });

      assert.equal(response.status, 504, "the request in flight got its whole answer");
      assert.match(response.body, /did not answer in time/);
      assert.equal(afterClose, "ECONNREFUSED");
      assert.equal(app.server.listening, false);
    } finally {
      app.tenant.faults.graph = null;
      await app.close();
    }
  });
});
