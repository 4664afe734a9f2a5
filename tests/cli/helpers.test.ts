/**
 * The CLI's building blocks that need no server: --set parsing, --until, the plan-based ETA, the
 * admin token's sources and file permissions, and writes that never leave a partial file.
 */
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken } from "../../src/cli/admin-token.js";
import { writeFileAtomic } from "../../src/cli/files.js";
import { applyOverrides, parseOverride } from "../../src/cli/overrides.js";
import { parseUntil } from "../../src/cli/volunteer.js";
import { temporaryFolder } from "./support/run-cli.js";

let dir: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await temporaryFolder("grokedge-cli-helpers-");
});
afterAll(() => dir.remove());

describe("--set path=value", () => {
  it("parses dotted paths with [n] or .n indices, and JSON values (else the text)", () => {
    expect(parseOverride("model.hidden[0]=256")).toMatchObject({ path: ["model", "hidden", 0], value: 256 });
    expect(parseOverride("model.hidden.1=8")).toMatchObject({ path: ["model", "hidden", 1], value: 8 });
    expect(parseOverride("model.activation=relu")).toMatchObject({ path: ["model", "activation"], value: "relu" });
    expect(parseOverride('seed="3"')).toMatchObject({ value: "3" });
    expect(parseOverride("seeds=[0,1]")).toMatchObject({ value: [0, 1] });
    expect(parseOverride("task.trainFraction=0.3=x")).toMatchObject({ path: ["task", "trainFraction"], value: "0.3=x" });
    expect(() => parseOverride("=3")).toThrow(/expected path=value/);
    expect(() => parseOverride("__proto__.polluted=1")).toThrow(/"__proto__" is not a config field/);
  });

  it("applies to a copy, creating missing objects, and says where a path leaves the config's shape", () => {
    const base = { optimizer: { lr: 1 }, model: { hidden: [4, 5] } };
    const changed = applyOverrides(base, ["optimizer.embedding.lr=0.1", "model.hidden[1]=9", "model.hidden[2]=7"].map(parseOverride));
    expect(changed).toEqual({ optimizer: { lr: 1, embedding: { lr: 0.1 } }, model: { hidden: [4, 9, 7] } });
    expect(base).toEqual({ optimizer: { lr: 1 }, model: { hidden: [4, 5] } });
    expect(() => applyOverrides(base, [parseOverride("model.hidden[5]=1")])).toThrow(/model\.hidden has 2 entries; \[5\] would leave a gap/);
    expect(() => applyOverrides(base, [parseOverride("optimizer[0]=1")])).toThrow(/optimizer is not a list/);
    expect(() => applyOverrides(base, [parseOverride("optimizer.lr.x=1")])).toThrow(/optimizer\.lr is 1, not an object or a list/);
  });
});

describe("--until", () => {
  const now = new Date(2026, 11, 3, 14, 30, 0);
  it("takes durations, times of day (the next one) and dates", () => {
    expect(parseUntil("90m", now)).toBe(now.getTime() + 90 * 60_000);
    expect(parseUntil("2h", now)).toBe(now.getTime() + 2 * 3_600_000);
    expect(parseUntil("1.5s", now)).toBe(now.getTime() + 1500);
    expect(parseUntil("18:00", now)).toBe(new Date(2026, 11, 3, 18, 0).getTime());
    expect(parseUntil("07:00", now)).toBe(new Date(2026, 11, 4, 7, 0).getTime());
    expect(parseUntil("2026-12-24T18:00", now)).toBe(new Date(2026, 11, 24, 18, 0).getTime());
    for (const bad of ["soon", "25:00", "12:75", "10", "-5m"]) expect(() => parseUntil(bad, now)).toThrow(/expected a duration/);
  });
});

describe("the admin token", () => {
  it("comes from $GROKEDGE_ADMIN_TOKEN first, then from a config file only its owner can read", async () => {
    const config = join(dir.path, "xdg", "grokedge", "config.json");
    const env = { XDG_CONFIG_HOME: join(dir.path, "xdg") };
    await expect(adminToken({ ...env, GROKEDGE_ADMIN_TOKEN: "from-env" })).resolves.toBe("from-env");
    await expect(adminToken(env)).rejects.toThrow(/set GROKEDGE_ADMIN_TOKEN, or write \{"adminToken": "…"\} to .*xdg\/grokedge\/config\.json and chmod 600 it/);
    await mkdir(join(dir.path, "xdg", "grokedge"), { recursive: true });
    await writeFile(config, JSON.stringify({ adminToken: "from-file" }), { mode: 0o644 });
    await chmod(config, 0o644);
    await expect(adminToken(env)).rejects.toThrow(/config\.json has mode 0644: group or others can read or change the admin token in it; run chmod 600/);
    await chmod(config, 0o640);
    await expect(adminToken(env)).rejects.toThrow(/mode 0640/);
    await chmod(config, 0o600);
    await expect(adminToken(env)).resolves.toBe("from-file");
    await writeFile(config, JSON.stringify({ token: "x" }));
    await expect(adminToken(env)).rejects.toThrow(/config\.json: adminToken: expected a non-empty string/);
  });

  it("is looked for under $HOME/.config without $XDG_CONFIG_HOME", async () => {
    await expect(adminToken({ HOME: join(dir.path, "home") })).rejects.toThrow(new RegExp(`${join(dir.path, "home", ".config", "grokedge", "config.json")}`));
  });
});

describe("writeFileAtomic", () => {
  it("leaves the old file whole when a write fails half-way, and no temporary file", async () => {
    const path = join(dir.path, "state.bin");
    await writeFileAtomic(path, "old content");
    async function* failingHalfWay() {
      yield "new con";
      throw new Error("disk on fire");
    }
    // A write that fails after its first bytes: FileHandle.writeFile takes async iterables (Node ≥ 15.14;
    // @types/node lists only strings and bytes), so this one fails half-way like a full disk would.
    await expect(writeFileAtomic(path, failingHalfWay() as unknown as string)).rejects.toThrow("disk on fire");
    expect(await readFile(path, "utf8")).toBe("old content");
    await writeFileAtomic(path, "new content");
    expect(await readFile(path, "utf8")).toBe("new content");
    expect((await readdir(dir.path)).filter((f) => f.includes(".tmp"))).toEqual([]);
  });
});
