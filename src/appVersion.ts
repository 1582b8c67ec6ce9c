/** The app's version, as its package.json says (shown on the operator page). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPaths } from "./paths.js";

export function readAppVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(join(projectPaths().root, "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
