import { defineConfig } from "vitest/config";

// End-to-end tests: a real `natter serve` and real Chromium, one file at a time.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: "forks",
  },
});
