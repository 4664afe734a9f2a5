/**
 * The zod the run-config and run-result schemas are written in: `zod/mini`, zod 4's tree-shakable
 * form (functions and `.check(...)` instead of methods), so a bundle carries only the validators the
 * schemas use. A classic zod schema carries every method, and the methods reach most of the library:
 * measured with esbuild, 85 kB of zod minified in the engine's bundle against 36 kB with zod/mini
 * (and 457 kB when imported as `import { z } from "zod"`, whose `z` object keeps all of it).
 * Both share zod 4's core: these schemas nest inside classic ones (the Worker's), z.toJSONSchema
 * reads them, and they report the same issues. Only the English messages differ in how they arrive:
 * classic zod installs them on first use, zod/mini leaves it to the app, so this module installs
 * them unless the app already chose a locale (`z.config(z.locales.xx())` before or after still wins).
 */
import en from "zod/v4/locales/en.js";
import { config } from "zod/mini";

if (!config().localeError) config(en());

// Importers take this module as a namespace (`import * as z from ".../zod.js"`): re-exported name by
// name, so a bundler keeps only the functions used (exporting zod/mini's `z` object would keep them all).
export * from "zod/mini";
