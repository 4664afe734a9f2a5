/**
 * The engine's mini-batch order, for a tfjs run that should see the same rows at every step as the
 * engine's run of the same config: epochs of a Fisher–Yates permutation of the training rows drawn
 * from the run's seeded stream, continuing where the engine's initialisation left it (a checkpoint's
 * `rng`), each epoch's short tail dropped so every step sees `rows` rows. This is what
 * TrainingRun.nextBatch does with its private stream; tests/engine/tfjs-train.test.ts holds the two
 * to the same order, cursor and stream state after every step.
 */
import { Rng, type RngState } from "../engine/random.js";

export interface BatchOrderState {
  /** The current epoch's permutation of the training rows (empty before the first step). */
  order: number[];
  /** Rows of it already used. */
  cursor: number;
  rng: RngState;
}

export class EngineBatchOrder {
  private readonly rng: Rng;
  private order: number[] = [];
  private cursor = 0;

  /** `count` training rows in batches of `rows`, from the stream state `rng` (the engine's after initialisation). */
  constructor(rng: RngState, private readonly count: number, private readonly rows: number) {
    if (!(Number.isInteger(rows) && rows > 0 && rows <= count)) throw new RangeError(`a batch takes 1 to ${count} rows, got ${rows}`);
    this.rng = new Rng(rng);
  }

  /** The rows of the next step's batch. */
  next(): number[] {
    if (this.cursor + this.rows > this.order.length) {
      this.order = this.rng.shuffle(Array.from({ length: this.count }, (_, i) => i));
      this.cursor = 0;
    }
    const batch = this.order.slice(this.cursor, this.cursor + this.rows);
    this.cursor += this.rows;
    return batch;
  }

  /** Where the order stands, in the terms of the engine's checkpoints. */
  get state(): BatchOrderState {
    return { order: [...this.order], cursor: this.cursor, rng: this.rng.state };
  }
}
