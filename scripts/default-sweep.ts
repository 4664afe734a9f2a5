/**
 * The sweep `npm start` seeds on first start, so a newcomer's browser contributes to something real:
 * the quadratic MLP of Doshi, Das, He & Gromov 2023 on a + b mod 97 (it groks within ~100 steps at
 * weight decay 5 and half the data), over weight decay × training fraction × 3 seeds — a small
 * phase diagram of where it memorizes, groks or comprehends.
 */
import { quadraticMlpSweep } from "../src/config/presets.js";

export const DEFAULT_SWEEP = quadraticMlpSweep();
