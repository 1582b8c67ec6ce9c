// `npm start`'s first step. A clone (`npm ci && npm start`) has the compiler: build the app and the
// local-entra package, so that what runs is what is checked out. A production install
// (`npm ci --omit=dev`) has no compiler and no local-entra: it runs the build it was shipped with.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";

const require = createRequire(import.meta.url);
let hasCompiler = true;
try {
  require.resolve("typescript");
} catch {
  hasCompiler = false;
}

if (hasCompiler) {
  const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
  process.exit(build.status ?? 1);
}
if (!existsSync("dist/src/server.js")) {
  process.stderr.write(
    "No build to run: dist/src/server.js is missing. Build with the dev dependencies (npm ci && npm run build), then install for production.\n",
  );
  process.exit(1);
}
