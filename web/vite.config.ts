import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

/** Text files get `.gz` and `.br` copies beside them, made once at build time with Node's own
 * zlib, so the server sends whichever the browser accepts without compressing per request. */
function precompress(): Plugin {
  const compressible = /\.(html|js|mjs|css|svg|json|webmanifest|txt)$/;
  let outDir = "dist";
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: "natter-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const file of walk(outDir).filter((f) => compressible.test(f))) {
        const raw = readFileSync(file);
        if (raw.length < 256) continue; // smaller than the headers it would save
        writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

// The bundle is embedded in the natter binary, so it must not reference any outside host.
// `NATTER_WEB_OUT` lets the server crate's build script put the output in its OUT_DIR.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  plugins: [precompress()],
  // `npm run dev`: live reload here, with the API (REST and WebSocket) passed to a running server.
  server: {
    proxy: { "/api": { target: process.env.NATTER_URL ?? "http://127.0.0.1:8080", ws: true } },
  },
  build: {
    outDir: process.env.NATTER_WEB_OUT ?? "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
