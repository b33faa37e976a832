import { defineConfig } from "vitest/config";

// The browser benchmark (bench/client.bench.ts): a real `natter serve` and real Chromium,
// measured, not asserted. `npm run bench`.
export default defineConfig({
  test: {
    include: ["bench/**/*.bench.ts"],
    environment: "node",
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: "forks",
  },
});
