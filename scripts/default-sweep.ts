/**
 * The sweep `npm start` seeds on first start, so a newcomer's browser contributes to something real:
 * the quadratic MLP of Doshi, Das, He & Gromov 2023 on a + b mod 97 (it groks within ~100 steps at
 * weight decay 5 and half the data), over weight decay × training fraction × 3 seeds — a small
 * phase diagram of where it memorizes, groks or comprehends.
 */
import { quadraticMlpConfig } from "../src/config/presets.js";

export const DEFAULT_SWEEP = {
  name: "Quadratic MLP on a + b mod 97: weight decay × training fraction",
  baseConfig: quadraticMlpConfig({ steps: 300, evalInterval: 5 }),
  axes: [
    { path: "optimizer.weightDecay", values: [0, 1, 5, 10] },
    { path: "task.trainFraction", values: [0.3, 0.5, 0.7] },
  ],
  seeds: [0, 1, 2],
  quorum: 2,
  phase: { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 20 },
};
