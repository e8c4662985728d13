import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dashboardPage } from "./dashboard-page.js";
import { dashboardStyle } from "./dashboard-style.js";
import { HttpError } from "./http.js";

/**
 * Where `tsc -b` writes the dashboard's modules: dist/dashboard beside this file; when this file runs from the
 * source tree (the package's own tests), the built copy in ../dist/dashboard.
 */
const dashboardDir =
  [new URL("./dashboard/", import.meta.url), new URL("../dist/dashboard/", import.meta.url)].find((dir) =>
    existsSync(new URL("app.js", dir)),
  ) ?? new URL("./dashboard/", import.meta.url);

const vendor: Record<string, { module: string; type: string }> = {
  "uplot.js": { module: "uplot/dist/uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  "uplot.css": { module: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

// Only the page's own kinds of files, named plainly: no path can leave the dashboard folder.
const fileName = /^[a-z0-9-]+\.(js|js\.map)$/;

/**
 * The dashboard's static files: the page and its style (generated here), its modules (plain TypeScript compiled by
 * the package build into dist/dashboard), and uPlot from the `uplot` dependency. Files are read once and cached.
 */
export class DashboardFiles {
  private readonly cache = new Map<string, Buffer>();

  /** Answers GET /dashboard/<file>; HttpError 404 for anything else. */
  async serve(file: string, response: ServerResponse): Promise<void> {
    if (file === "" || file === "index.html") return send(response, "text/html; charset=utf-8", Buffer.from(dashboardPage));
    if (file === "style.css") return send(response, "text/css; charset=utf-8", Buffer.from(dashboardStyle));
    const vendored = file.startsWith("vendor/") ? vendor[file.slice("vendor/".length)] : undefined;
    if (vendored !== undefined) {
      const path = createRequire(import.meta.url).resolve(vendored.module);
      return send(response, vendored.type, await this.read(path));
    }
    if (!fileName.test(file)) throw new HttpError(404, "NotFound", `the dashboard has no file ${JSON.stringify(file)}`);
    let content: Buffer;
    try {
      content = await this.read(fileURLToPath(new URL(file, dashboardDir)));
    } catch {
      throw new HttpError(404, "NotFound", `the dashboard has no file ${JSON.stringify(file)} (was the package built?)`);
    }
    return send(response, file.endsWith(".js") ? "text/javascript; charset=utf-8" : "application/json; charset=utf-8", content);
  }

  private async read(path: string): Promise<Buffer> {
    let content = this.cache.get(path);
    if (content === undefined) {
      content = await readFile(path);
      this.cache.set(path, content);
    }
    return content;
  }
}

function send(response: ServerResponse, type: string, content: Buffer): void {
  response.writeHead(200, {
    "content-type": type,
    "content-length": content.length,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
  });
  response.end(content);
}
