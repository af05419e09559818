import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: { name: "workerd", include: ["worker/test/**/*.test.ts"] },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["scripts/test/**/*.test.ts", "supabase/tests/**/*.test.ts"],
        },
      },
    ],
  },
});
