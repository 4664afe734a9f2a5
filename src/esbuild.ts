/**
 * grokedge/esbuild: the esbuild plugin that makes the package's default file URLs work in a bundle.
 *
 * The package finds its files as `new URL(path, import.meta.url)`: the wasm builds, the MNIST digits
 * and the coordinator and pool worker scripts of trainInBackground. Vite (and webpack, Parcel, Rollup
 * plugins) emit such files by themselves; esbuild leaves the expression as it is, so in a bundle the
 * URL would point next to the bundle, where nothing is. This plugin emits each of them instead — data
 * files as esbuild's `file` loader does, worker scripts as bundles of their own (with this plugin
 * again) — and points the URL at what it emitted. Only the package's own files are rewritten.
 *
 *   import { build } from "esbuild";
 *   import { grokedgePlugin } from "grokedge/esbuild";
 *   await build({ entryPoints: ["page.ts"], bundle: true, format: "esm", outdir: "dist", plugins: [grokedgePlugin()] });
 *
 * Worker bundles are written into `outdir` next to the bundles that start them (entry points at the
 * top of `outdir`, the usual layout); `format` must be "esm" (module workers, import.meta).
 */
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions, Plugin, PluginBuild } from "esbuild";

/** The package's compiled files: this file is dist/src/esbuild.js. */
const PACKAGE_DIST = dirname(dirname(fileURLToPath(import.meta.url))) + sep;
const FILE_URL = /new URL\((["'])([^"'`\n]+)\1,\s*import\.meta\.url\)/g;
/** Imports the rewritten files make of the files they reference (absolute paths). */
const NAMESPACE = "grokedge-file";
/** Options a worker bundle takes from the build that starts it. */
const INHERITED = ["absWorkingDir", "target", "platform", "minify", "minifyWhitespace", "minifyIdentifiers", "minifySyntax", "sourcemap", "define", "conditions", "charset", "legalComments", "logLevel", "publicPath"] as const;

export function grokedgePlugin(): Plugin {
  return {
    name: "grokedge",
    setup(build) {
      const ours = new RegExp(`^${escapeRegExp(PACKAGE_DIST)}.*\\.js$`);
      build.onLoad({ filter: ours }, async ({ path }) => {
        const source = await readFile(path, "utf8");
        let imports = "";
        let count = 0;
        const contents = source.replace(FILE_URL, (match: string, _quote: string, file: string, offset: number) => {
          if (inComment(source, offset)) return match;
          const name = `__grokedge_file_${count++}`;
          imports += `import ${name} from ${JSON.stringify(`${NAMESPACE}:${resolve(dirname(path), file)}`)};\n`;
          return `new URL(${name}, import.meta.url)`;
        });
        // A file without such URLs loads as esbuild would load it.
        return count === 0 ? undefined : { contents: imports + contents, loader: "js", resolveDir: dirname(path) };
      });
      build.onResolve({ filter: new RegExp(`^${NAMESPACE}:`) }, ({ path }) => ({ path: path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
      build.onLoad({ filter: /\.js$/, namespace: NAMESPACE }, async ({ path }) => ({ contents: `export default ${JSON.stringify(await bundleWorker(build, path))};`, loader: "js" }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async ({ path }) => ({ contents: await readFile(path), loader: "file" }));
    },
  };
}

/** Bundles a worker script into the build's output directory; its URL relative to the bundles there. */
async function bundleWorker(build: PluginBuild, entry: string): Promise<string> {
  const options = build.initialOptions;
  const outdir = options.outdir ?? (options.outfile ? dirname(options.outfile) : undefined);
  if (!outdir) throw new Error("grokedge/esbuild: the build needs `outdir` (or `outfile`): the worker scripts are written next to the bundle");
  if (options.format !== "esm") throw new Error(`grokedge/esbuild: the build needs format "esm" (the workers are module workers), got ${JSON.stringify(options.format)}`);
  const workingDir = options.absWorkingDir ?? process.cwd();
  const inherited = Object.fromEntries(INHERITED.filter((key) => options[key] !== undefined).map((key) => [key, options[key]])) as BuildOptions;
  const result = await build.esbuild.build({
    ...inherited,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    outdir,
    entryNames: "[name]-[hash]",
    write: true,
    metafile: true,
    plugins: [grokedgePlugin()],
  });
  const output = Object.entries(result.metafile.outputs).find(([, meta]) => meta.entryPoint !== undefined)![0];
  const path = relative(resolve(workingDir, outdir), resolve(workingDir, output)).split("\\").join("/");
  return (options.publicPath ? options.publicPath.replace(/\/?$/, "/") : "./") + path;
}

/** Whether the match at `offset` is on a comment line (tsc keeps comments, one per line: `//`, or `*` inside a block). */
function inComment(source: string, offset: number): boolean {
  const line = source.slice(source.lastIndexOf("\n", offset) + 1, offset).trimStart();
  return line.startsWith("//") || line.startsWith("*") || line.startsWith("/*");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
