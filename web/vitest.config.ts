import { defineConfig } from "vitest/config";

// Unit tests of the client's state logic: no browser, no server.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
