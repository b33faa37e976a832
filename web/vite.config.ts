import { defineConfig } from "vite";

// The bundle is embedded in the natter binary, so it must not reference any outside host.
// `NATTER_WEB_OUT` lets the server crate's build script put the output in its OUT_DIR.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
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
