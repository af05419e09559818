declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
  interface Env {
    TOKEN_CACHE: KVNamespace;
    SUPABASE_URL: string;
  }
}
