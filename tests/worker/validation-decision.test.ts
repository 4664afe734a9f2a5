/**
 * The quorum rule as a pure function (worker/src/validation.ts): decide(), withinTolerance() and the
 * SQL counting rule. No wrangler: tests/worker/validation.test.ts checks the same rule end to end
 * through the API and D1.
 */
import { describe, expect, it } from "vitest";
import { APPROXIMATE_TOLERANCE, countedResultsSql, decide, MAX_EXTRA_RESULTS, withinTolerance, type ResultRecord, type ResultStatus, type UnitState } from "../../worker/src/validation.js";

const pending: UnitState = { status: "pending", quorum: 2, replicasNeeded: 2, validatedHash: null, validatedResultId: null, evalInterval: 10 };

const summary = (testAccuracy = 1, generalizationStep: number | null = 100, trainAccuracy = 1) => ({ generalizationStep, final: { trainAccuracy, testAccuracy } });
type Summary = ReturnType<typeof summary>;

/**
 * A result with the result digest `digest`; its paramsHash is the same label unless given (results agree
 * by digest: equal parameters with other curves have another digest). `createdAt` defaults to the number
 * in its id ("r3" → 3).
 */
function record(
  id: string,
  digest: string | null,
  { backend = "wasm-simd", s = summary(), createdAt = Number(id.slice(1)), status = "pending" as ResultStatus, paramsHash = digest ?? "" } = {},
): ResultRecord {
  return { id, backend, paramsHash, resultDigest: digest, status, createdAt, summary: s };
}
const tfjs = (id: string, s: Summary, backend = "tfjs-webgpu") => record(id, "T", { backend, s });

/** The statuses as an object, in the order decide() lists them. */
const statuses = (d: ReturnType<typeof decide>) => Object.fromEntries(d.results);

describe("decide: quorum of deterministic results", () => {
  it("needs quorum agreeing deterministic results; until then every result stays pending", () => {
    const one = decide(pending, [record("r1", "A")]);
    expect(one.unit).toEqual({ status: "pending", replicasNeeded: 2, validatedHash: null, validatedResultId: null });
    expect(statuses(one)).toEqual({ r1: "pending" });
    // the same hash from a tfjs backend does not count
    const withTfjs = decide(pending, [record("r1", "A"), record("r2", "A", { backend: "tfjs-wasm" })]);
    expect(withTfjs.unit.status).toBe("pending");
    expect(statuses(withTfjs)).toEqual({ r1: "pending", r2: "pending" });
  });

  it("validates with the first result of the agreeing group; others become valid or invalid", () => {
    const d = decide(pending, [record("r1", "A"), record("r2", "B"), record("r3", "A")]);
    expect(d.unit).toEqual({ status: "validated", replicasNeeded: 2, validatedHash: "A", validatedResultId: "r1" });
    expect(statuses(d)).toEqual({ r1: "valid", r2: "invalid", r3: "valid" });
  });

  it("orders results by arrival (createdAt), not by the order they are given in", () => {
    // A's second result arrives before B's second: A wins even if listed last.
    const results = [record("r1", "B", { createdAt: 10 }), record("r2", "B", { createdAt: 40 }), record("r3", "A", { createdAt: 20 }), record("r4", "A", { createdAt: 30 })];
    for (const order of [results, [...results].reverse(), [results[2], results[0], results[3], results[1]]]) {
      const d = decide(pending, order);
      expect(d.unit).toMatchObject({ status: "validated", validatedHash: "A", validatedResultId: "r3" });
      expect([...d.results.keys()]).toEqual(["r1", "r3", "r4", "r2"]);
    }
  });

  it("breaks ties in arrival time by result id", () => {
    const results = ["r4", "r1", "r3", "r2"].map((id) => record(id, Number(id.slice(1)) % 2 ? "odd" : "even", { createdAt: 5 }));
    for (const order of [results, [...results].reverse()]) {
      const d = decide(pending, order);
      // r1 odd, r2 even, r3 odd (odd has its quorum), r4 even
      expect([...d.results.keys()]).toEqual(["r1", "r2", "r3", "r4"]);
      expect(d.unit).toMatchObject({ validatedHash: "odd", validatedResultId: "r1" });
    }
  });

  it("when two hashes both reached the quorum, the one whose quorum-th result came first wins", () => {
    // Listed so that the losing group is seen first or last: the arrival of the quorum-th result decides.
    expect(decide(pending, [record("r1", "A"), record("r2", "A"), record("r3", "B"), record("r4", "B")]).unit).toMatchObject({ validatedHash: "A", validatedResultId: "r1" });
    expect(decide(pending, [record("r1", "A"), record("r2", "B"), record("r3", "B"), record("r4", "A")]).unit).toMatchObject({ validatedHash: "B", validatedResultId: "r2" });
    const three = { ...pending, quorum: 3 };
    const d = decide(three, ["A", "B", "B", "A", "B", "A"].map((h, i) => record(`r${i + 1}`, h)));
    expect(d.unit).toMatchObject({ status: "validated", validatedHash: "B", validatedResultId: "r2" });
    expect(statuses(d)).toEqual({ r1: "invalid", r2: "valid", r3: "valid", r4: "invalid", r5: "valid", r6: "invalid" });
  });
});

describe("decide: results agree by their result digest", () => {
  it("equal parameters with different curves disagree: the unit needs another replica", () => {
    const d = decide(pending, [record("r1", "D1", { paramsHash: "P" }), record("r2", "D2", { paramsHash: "P" })]);
    expect(d.unit).toEqual({ status: "pending", replicasNeeded: 3, validatedHash: null, validatedResultId: null });
    expect(statuses(d)).toEqual({ r1: "pending", r2: "pending" });
  });

  it("validates on agreeing digests with the first result's paramsHash as the unit's validated hash", () => {
    const d = decide(pending, [record("r1", "D1", { paramsHash: "P" }), record("r2", "D2", { paramsHash: "P" }), record("r3", "D1", { paramsHash: "P" })]);
    expect(d.unit).toMatchObject({ status: "validated", validatedHash: "P", validatedResultId: "r1" });
    expect(statuses(d)).toEqual({ r1: "valid", r2: "invalid", r3: "valid" });
  });

  it("results stored before the digest (null) agree by paramsHash among themselves, never with a digested one", () => {
    const legacy = decide(pending, [record("r1", null, { paramsHash: "P" }), record("r2", null, { paramsHash: "P" })]);
    expect(legacy.unit).toMatchObject({ status: "validated", validatedHash: "P", validatedResultId: "r1" });
    const mixed = decide(pending, [record("r1", null, { paramsHash: "P" }), record("r2", "D", { paramsHash: "P" })]);
    expect(mixed.unit).toMatchObject({ status: "pending", replicasNeeded: 3 });
  });
});

describe("decide: disagreement and failure", () => {
  it("counts each deterministic result outside the largest agreeing group as one more replica needed", () => {
    expect(decide(pending, [record("r1", "A"), record("r2", "B")]).unit.replicasNeeded).toBe(3);
    expect(decide(pending, [record("r1", "A"), record("r2", "B"), record("r3", "C")]).unit.replicasNeeded).toBe(4);
    expect(decide({ ...pending, quorum: 3, replicasNeeded: 3 }, [record("r1", "A"), record("r2", "B"), record("r3", "A")]).unit.replicasNeeded).toBe(4);
    // tfjs results are no disagreement
    expect(decide(pending, [record("r1", "A"), tfjs("r2", summary())]).unit.replicasNeeded).toBe(2);
  });

  it("never lowers replicas_needed, and keeps it with no results at all", () => {
    expect(decide({ ...pending, replicasNeeded: 5 }, [record("r1", "A"), record("r2", "B")]).unit.replicasNeeded).toBe(5);
    expect(decide(pending, []).unit).toEqual({ status: "pending", replicasNeeded: 2, validatedHash: null, validatedResultId: null });
    expect(decide(pending, [tfjs("r1", summary())]).unit.replicasNeeded).toBe(2);
  });

  it(`fails a unit after more than quorum + ${MAX_EXTRA_RESULTS} disagreeing deterministic results`, () => {
    const five = ["A", "B", "C", "D", "E"].map((h, i) => record(`r${i}`, h));
    expect(decide(pending, five).unit).toMatchObject({ status: "pending", replicasNeeded: 6 });
    expect(decide(pending, [...five, record("r9", "F")]).unit).toMatchObject({ status: "failed", replicasNeeded: 7, validatedHash: null });
    // tfjs results do not count toward the limit
    expect(decide(pending, [...five, tfjs("r9", summary())]).unit.status).toBe("pending");
  });

  it("marks a failed unit's deterministic results invalid; its tfjs results stay pending", () => {
    const six = ["A", "B", "C", "D", "E", "F"].map((h, i) => record(`r${i}`, h));
    const d = decide(pending, [...six, tfjs("r7", summary())]);
    expect(d.unit.status).toBe("failed");
    expect([...d.results.values()]).toEqual([...Array(6).fill("invalid"), "pending"]);
  });

  it("keeps a failed unit failed when a late result would make a quorum", () => {
    const failed: UnitState = { ...pending, status: "failed", replicasNeeded: 7 };
    const seven = ["A", "B", "C", "D", "E", "F", "A"].map((h, i) => record(`r${i}`, h));
    const d = decide(failed, seven);
    expect(d.unit).toEqual({ status: "failed", replicasNeeded: 7, validatedHash: null, validatedResultId: null });
    expect([...d.results.values()]).toEqual(Array(7).fill("invalid"));
  });
});

describe("decide: a validated unit", () => {
  const validated: UnitState = { ...pending, status: "validated", validatedHash: "A", validatedResultId: "r1" };

  it("stays validated on the same result when later results arrive, whatever they say", () => {
    const d = decide(validated, [record("r1", "A"), record("r2", "A"), record("r3", "B"), record("r4", "B"), record("r5", "B")]);
    expect(d.unit).toEqual({ status: "validated", replicasNeeded: 2, validatedHash: "A", validatedResultId: "r1" });
    expect(statuses(d)).toEqual({ r1: "valid", r2: "valid", r3: "invalid", r4: "invalid", r5: "invalid" });
  });

  it("judges tfjs results against the validated result, never by their hash", () => {
    const ref = summary(0.995, 100);
    const results = [
      record("r0", "B", { s: summary(0.2, null, 0.3) }), // an invalid deterministic run, listed first: not the reference
      record("r1", "A", { s: ref }),
      record("r2", "A", { s: ref }),
      record("r3", "A", { backend: "tfjs-webgpu", s: summary(0.5, null) }), // same hash, far off: rejected
      record("r4", "X", { backend: "tfjs-wasm", s: summary(0.99, 110) }),
    ];
    const d = decide(validated, results);
    expect(statuses(d)).toEqual({ r0: "invalid", r1: "valid", r2: "valid", r3: "approximate-rejected", r4: "approximate-accepted" });
  });

  it("judges tfjs results once the unit becomes validated, in the same decision", () => {
    const d = decide(pending, [tfjs("r1", summary(0.5)), record("r2", "A"), record("r3", "A"), tfjs("r4", summary())]);
    expect(d.unit.validatedResultId).toBe("r2");
    expect(statuses(d)).toEqual({ r1: "approximate-rejected", r2: "valid", r3: "valid", r4: "approximate-accepted" });
  });

  it("changes no verdict when the validated result is not among the results given: there is nothing to compare with", () => {
    const d = decide({ ...validated, validatedResultId: "gone" }, [record("r1", "A"), record("r2", "B", { status: "invalid" }), tfjs("r3", summary())]);
    expect(statuses(d)).toEqual({ r1: "pending", r2: "invalid", r3: "pending" });
  });

  it("judges later deterministic results by the validated result's digest, not by its paramsHash", () => {
    const d = decide(validated, [record("r1", "A"), record("r2", "A"), record("r3", "A with other curves", { paramsHash: "A" })]);
    expect(d.unit).toMatchObject({ validatedHash: "A", validatedResultId: "r1" });
    expect(statuses(d)).toEqual({ r1: "valid", r2: "valid", r3: "invalid" });
  });
});

describe("withinTolerance", () => {
  const ref = summary(0.995, 100);

  it(`accepts final accuracies within ${APPROXIMATE_TOLERANCE.finalAccuracy} and generalization within ${APPROXIMATE_TOLERANCE.generalizationEvalIntervals} eval intervals`, () => {
    expect(withinTolerance(summary(0.985, 120), ref, 10)).toBe(true);
    expect(withinTolerance(summary(0.995, 80), ref, 10)).toBe(true);
    expect(withinTolerance(summary(0.984, 100), ref, 10)).toBe(false);
    expect(withinTolerance(summary(0.995, 121), ref, 10)).toBe(false);
    expect(withinTolerance(summary(0.995, 79), ref, 10)).toBe(false);
    expect(withinTolerance(summary(0.995, 150), ref, 25)).toBe(true); // the interval is the unit's
    expect(withinTolerance(summary(0.995, 100, 0.98), ref, 10)).toBe(false); // train accuracy counts too
  });

  it("includes the bound itself (0.01 written in decimal may be a hair more in binary)", () => {
    expect(withinTolerance(summary(0.41, 100), summary(0.4, 100), 10)).toBe(true); // 0.41 - 0.4 > 0.01 in binary
    const bound = APPROXIMATE_TOLERANCE.finalAccuracy + 1e-9;
    expect(withinTolerance(summary(bound, 100), summary(0, 100), 10)).toBe(true);
    expect(withinTolerance(summary(0, 100), summary(bound, 100), 10)).toBe(true);
    expect(withinTolerance(summary(bound + 1e-9, 100), summary(0, 100), 10)).toBe(false);
  });

  it("agrees on generalization when both never generalized, not when only one did", () => {
    expect(withinTolerance(summary(0.5, null), summary(0.5, null), 10)).toBe(true);
    // even a step within the tolerance of 0 is not "never"
    expect(withinTolerance(summary(0.995, null), summary(0.995, 10), 10)).toBe(false);
    expect(withinTolerance(summary(0.995, 10), summary(0.995, null), 10)).toBe(false);
    expect(withinTolerance(summary(0.995, 0), summary(0.995, null), 10)).toBe(false);
  });
});

describe("countedResultsSql", () => {
  it("counts the unit's pending and valid results of deterministic backends only", () => {
    expect(countedResultsSql("u.id")).toBe("(SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.status IN ('pending', 'valid') AND r.backend IN ('wasm-simd'))");
    expect(countedResultsSql("?1")).toContain("r.unit_id = ?1 AND");
  });
});
