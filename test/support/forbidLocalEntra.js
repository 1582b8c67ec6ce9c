// Loaded with `node --import` by test/productionInstall.test.ts: makes loading the local-entra
// package (the stand-in) fail, as it would in a production install that does not have it.
import { register } from "node:module";

register("./forbidLocalEntra.hooks.js", import.meta.url);
