import { defineConfig } from "vite";

// The bundle is embedded in the natter binary, so it must not reference any outside host.
// `NATTER_WEB_OUT` lets the server crate's build script put the output in its OUT_DIR.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: process.env.NATTER_WEB_OUT ?? "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
