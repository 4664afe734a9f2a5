// Vite finds grokedge's workers and wasm builds by itself (`new URL("…", import.meta.url)`).
import { defineConfig } from "vite";

/** Threads need SharedArrayBuffer, which needs a cross-origin isolated page. */
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
});
