/**
 * The package as its users get it: `npm pack` of the repository (built by `npm run build`, which
 * `npm test` runs first) into a temp directory, once per test file, and the projects of examples/
 * installed from that tarball into fresh temp directories outside the repository.
 *
 * Installs are offline: `npm install --offline --ignore-scripts` of the tarball. The tarball's own
 * dependencies and the example's (hono for a Worker app, say) are linked from this repository's
 * node_modules beforehand — npm finds them satisfied and keeps them — because npm's cache holds only
 * the tarballs `npm ci` fetched, not the registry documents an install resolves versions from. A
 * dependency the package forgets to declare is therefore missing, as it would be for a user. The
 * example's tools (its devDependencies: esbuild, vite, wrangler, typescript) are linked after the
 * install, with their commands in node_modules/.bin for the example's npm scripts.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

export interface PackedFile {
  path: string;
  size: number;
}

export interface PackedTarball {
  /** Absolute path of the .tgz. */
  path: string;
  /** The package.json it carries. */
  manifest: { name: string; version: string; dependencies?: Record<string, string> };
  files: PackedFile[];
  /** Bytes of the .tgz, and of its files unpacked. */
  size: number;
  unpackedSize: number;
}

let packed: Promise<PackedTarball> | undefined;
let packDir: string | undefined;

/** The tarball of the package, packed on first use in this test file. */
export function packTarball(): Promise<PackedTarball> {
  packed ??= pack();
  return packed;
}

async function pack(): Promise<PackedTarball> {
  if (!existsSync(join(ROOT, "dist/src/index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test runs it first)");
  packDir = await mkdtemp(join(tmpdir(), "grokedge-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: ROOT, maxBuffer: 16 << 20 });
  const [report] = JSON.parse(stdout) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as PackedTarball["manifest"];
  return { path: join(packDir, report.filename), manifest, files: report.files.map(({ path, size }) => ({ path, size })), size: report.size, unpackedSize: report.unpackedSize };
}

/** Deletes the tarball (afterAll of a test file that packed it). */
export async function removeTarball(): Promise<void> {
  if (packDir) await rm(packDir, { recursive: true, force: true });
  packed = packDir = undefined;
}

export interface ExampleProject {
  dir: string;
  /** Runs an npm script of the example (`npm run <script>`), failing with its output if it fails. */
  npmRun(script: string, args?: readonly string[], options?: { env?: Record<string, string>; timeout?: number }): Promise<{ stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** Copies examples/<name> into a fresh temp directory and installs the packed package into it. */
export async function installExample(name: string): Promise<ExampleProject> {
  const tarball = await packTarball();
  const dir = await mkdtemp(join(tmpdir(), `grokedge-example-${name}-`));
  try {
    const source = join(ROOT, "examples", name);
    await cp(source, dir, { recursive: true, filter: (file) => !/^(node_modules|dist|\.wrangler)(\/|$)/.test(relative(source, file)) });
    const project = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const tools = Object.keys(project.devDependencies ?? {});
    const linked = new Set([...Object.keys(tarball.manifest.dependencies ?? {}), ...Object.keys(project.dependencies ?? {})]);
    linked.delete(tarball.manifest.name);
    for (const dependency of linked) await linkPackage(dir, dependency);
    delete project.devDependencies;
    project.dependencies = { ...project.dependencies, [tarball.manifest.name]: `file:${tarball.path}` };
    await writeFile(join(dir, "package.json"), JSON.stringify(project, null, 2));
    await npm(dir, ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
    for (const tool of tools) await linkPackage(dir, tool, { bins: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    npmRun: (script, args = [], { env = {}, timeout = 120_000 } = {}) => npm(dir, ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], { env, timeout }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function npm(cwd: string, args: string[], { env = {}, timeout = 120_000 }: { env?: Record<string, string>; timeout?: number } = {}) {
  try {
    return await run("npm", args, { cwd, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", ...env }, timeout, maxBuffer: 16 << 20 });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

/** node_modules/<name> → this repository's copy; with `bins`, its commands in node_modules/.bin too. */
async function linkPackage(project: string, name: string, { bins = false } = {}): Promise<void> {
  const target = join(ROOT, "node_modules", name);
  if (!existsSync(target)) throw new Error(`${name} is not in the repository's node_modules, so the example cannot have it offline`);
  const link = join(project, "node_modules", name);
  await mkdir(dirname(link), { recursive: true });
  await symlink(target, link, "dir");
  if (!bins) return;
  const manifest = JSON.parse(await readFile(join(target, "package.json"), "utf8")) as { name: string; bin?: string | Record<string, string> };
  const commands = typeof manifest.bin === "string" ? { [manifest.name.replace(/^@[^/]+\//, "")]: manifest.bin } : (manifest.bin ?? {});
  await mkdir(join(project, "node_modules/.bin"), { recursive: true });
  for (const [command, file] of Object.entries(commands)) await symlink(join(target, file), join(project, "node_modules/.bin", command));
}
