// Loaded with `node --import` so the child process can run TypeScript entry points; see ts-hooks.mjs.
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
