/**
 * The fixtures fuzzed requests refer to, made through the API itself: registered volunteers, a sweep
 * with a validated unit (two volunteers reported the same real engine result), a pending grid sweep,
 * and on demand a live lease of the acting volunteer (on a fresh one-unit sweep, so a valid result
 * for it is the one real result trained here). Requests name fixtures symbolically (`sweep:validated`,
 * `lease:own-live`); the world turns names into ids when a request is sent.
 */
import { createHmac } from "node:crypto";
import type { RunResult } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";
import type { RawRequest } from "./send.js";
import type { Answer, ServerLink } from "./server-link.js";

/** The tiny run every fixture sweep is made of: 20 steps of an MLP on a + b mod 11 (about 0.2 s to train). */
export const FIXTURE_CONFIG = {
  version: 1,
  task: { kind: "modular", p: 11, op: "add", trainFraction: 0.5 },
  model: { kind: "mlp", input: "embedding", embeddingDim: 8, hidden: [16], activation: "relu" },
  optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 1 },
  steps: 20,
  evalInterval: 10,
  seed: 0,
} as const;

export const CAPABILITIES = { simd: true, threads: false, cores: 2, webgpu: false, userAgent: "grokedge fuzz" };

export interface Volunteer {
  clientId: string;
  token: string;
  /** Its CF-Connecting-IP: each volunteer on its own network, so per-network limits count them apart. */
  address: string;
}

/** A fixture that could not be made (the server refused a setup request); the fuzzed request is skipped. */
export class SetupError extends Error {}

/** The reference names requests use. */
export const REFERENCES = {
  sweeps: ["sweep:validated", "sweep:pending"],
  units: ["unit:validated", "unit:pending"],
  leases: ["lease:own-live", "lease:own-completed", "lease:other-live"],
} as const;

export class World {
  private readonly volunteers: Volunteer[] = [];
  private acting = 0;
  private addresses = 0;
  private otherLease: { leaseId: string; owner: Volunteer } | null = null;
  private ids: Record<string, string> = {};
  private completedLease: { leaseId: string; owner: Volunteer } | null = null;
  /** Requests made to build fixtures, beside the fuzzed ones. */
  setupRequests = 0;
  /** Setup replies that were 5xx: findings too. */
  readonly setupFailures: { request: string; answer: Answer }[] = [];

  private constructor(
    readonly link: ServerLink,
    /** The real engine result for FIXTURE_CONFIG (seed 0). */
    readonly realResult: RunResult,
  ) {}

  static async create(link: ServerLink): Promise<World> {
    const world = new World(link, await train(FIXTURE_CONFIG));
    const [a, b] = [await world.register(), await world.register()];
    // A validated unit: two volunteers report the same real result for it.
    const validated = await world.createSweep({ name: "fuzz: validated", baseConfig: FIXTURE_CONFIG, seeds: [0], quorum: 2 });
    const leaseA = await world.lease(a, validated);
    const leaseB = await world.lease(b, validated);
    await world.postResult(a, leaseA.id);
    const verdict = await world.postResult(b, leaseB.id);
    if (verdict.json?.result?.unit?.status !== "validated") throw new SetupError(`the fixture unit was not validated by two equal real results: ${verdict.text}`);
    world.completedLease = { leaseId: leaseA.id, owner: a };
    const pending = await world.createSweep({ name: "fuzz: pending grid", baseConfig: FIXTURE_CONFIG, axes: [{ path: "optimizer.weightDecay", values: [0, 0.5, 1] }], seeds: [0, 1], quorum: 2 });
    const units = await world.setup("GET", `/api/sweeps/${pending}/units`);
    world.ids = { "sweep:validated": validated, "sweep:pending": pending, "unit:validated": leaseA.unitId, "unit:pending": units.json.units[0].id };
    return world;
  }

  /** The volunteer whose token requests carry by default. */
  get actingVolunteer(): Volunteer {
    return this.volunteers[this.acting];
  }

  /** Another volunteer than the acting one. */
  get otherVolunteer(): Volunteer {
    return this.volunteers[(this.acting + 1) % this.volunteers.length];
  }

  /** The id a reference names; a live lease of the acting volunteer is made fresh for each request. */
  async resolve(reference: string): Promise<string> {
    if (reference === "lease:own-live") return this.ownLiveLease();
    if (reference === "lease:own-completed") return this.ownCompletedLease();
    if (reference === "lease:other-live") return (await this.liveLeaseOfAnother()).leaseId;
    const id = this.ids[reference];
    if (id === undefined) throw new Error(`unknown fixture reference "${reference}"`);
    return id;
  }

  /** A client token signed with the server's secret over `payload` (as the token contract lays it out). */
  sign(payload: string): string {
    return createHmac("sha256", this.link.server.tokenSecret).update(payload).digest("hex");
  }

  /** A newly registered volunteer becomes the acting one. */
  async freshActor(): Promise<void> {
    await this.register();
    this.acting = this.volunteers.length - 1;
  }

  /** A fresh CF-Connecting-IP, one /24 per volunteer. */
  nextAddress(): string {
    const n = ++this.addresses;
    return `10.${(n >> 8) & 255}.${n & 255}.7`;
  }

  async register(): Promise<Volunteer> {
    const address = this.nextAddress();
    const answer = await this.setup("POST", "/api/clients", { body: CAPABILITIES, address, expect: [201] });
    const volunteer = { clientId: answer.json.clientId, token: answer.json.token, address };
    this.volunteers.push(volunteer);
    return volunteer;
  }

  private async createSweep(sweep: Record<string, unknown>): Promise<string> {
    const answer = await this.setup("POST", "/api/sweeps", { body: sweep, token: this.link.server.adminToken, expect: [201] });
    return answer.json.sweep.id;
  }

  private async lease(volunteer: Volunteer, sweep: string): Promise<{ id: string; unitId: string }> {
    const answer = await this.setup("POST", `/api/leases?sweep=${sweep}`, { token: volunteer.token, address: volunteer.address, expect: [201] });
    return answer.json.lease;
  }

  private postResult(volunteer: Volunteer, leaseId: string): Promise<Answer> {
    return this.setup("POST", `/api/leases/${leaseId}/result`, { body: this.validSubmission(), token: volunteer.token, address: volunteer.address, expect: [201] });
  }

  validSubmission() {
    return { result: this.realResult, timings: { wallSeconds: 1 } };
  }

  /**
   * A live lease of the acting volunteer on a fresh one-unit sweep of FIXTURE_CONFIG. When the
   * volunteer may not lease more (its cap of live leases, a rate limit, its daily quota), a new
   * volunteer takes over as the acting one.
   */
  private async ownLiveLease(): Promise<string> {
    const sweep = await this.createSweep({ name: "fuzz: lease", baseConfig: FIXTURE_CONFIG, seeds: [0], quorum: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const volunteer = this.actingVolunteer;
      const answer = await this.setup("POST", `/api/leases?sweep=${sweep}`, { token: volunteer.token, address: volunteer.address, expect: [201, 429, 409, 403] });
      if (answer.status === 201) return answer.json.lease.id;
      await this.freshActor();
    }
    throw new SetupError(`no volunteer could lease a fresh unit (last: ${this.actingVolunteer.clientId})`);
  }

  /** A lease of the acting volunteer that already has its result (the acting volunteer becomes its owner). */
  private ownCompletedLease(): string {
    this.acting = this.volunteers.indexOf(this.completedLease!.owner);
    return this.completedLease!.leaseId;
  }

  private async liveLeaseOfAnother(): Promise<{ leaseId: string; owner: Volunteer }> {
    if (this.otherLease && this.otherLease.owner !== this.actingVolunteer) return this.otherLease;
    const owner = await this.register();
    const sweep = await this.createSweep({ name: "fuzz: another's lease", baseConfig: FIXTURE_CONFIG, seeds: [0], quorum: 2 });
    this.otherLease = { leaseId: (await this.lease(owner, sweep)).id, owner };
    return this.otherLease;
  }

  /** A setup request; a status outside `expect` is a SetupError (and a 5xx is also a finding). */
  async setup(method: string, target: string, options: { body?: unknown; token?: string; address?: string; expect?: number[] } = {}): Promise<Answer> {
    const headers: [string, string][] = [["cf-connecting-ip", options.address ?? this.nextAddress()]];
    if (options.token) headers.push(["authorization", `Bearer ${options.token}`]);
    const request: RawRequest = { method, target, headers };
    if (options.body !== undefined) {
      headers.push(["content-type", "application/json"]);
      request.body = new TextEncoder().encode(JSON.stringify(options.body));
    }
    this.setupRequests++;
    const answer = await this.link.send(request);
    if (answer.status >= 500) this.setupFailures.push({ request: `${method} ${target}`, answer });
    const expected = options.expect ?? [200];
    if (!expected.includes(answer.status)) throw new SetupError(`setup ${method} ${target}: ${answer.status} ${answer.text.slice(0, 500)}`);
    return answer;
  }
}

