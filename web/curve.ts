/** The live curve: train and test accuracy against step on a <canvas>, plain 2D drawing. */
import type { CurvePoint } from "../src/config/run-result.js";

const TRAIN = "#1f77b4";
const TEST = "#ff7f0e";

export function drawCurve(canvas: HTMLCanvasElement, points: readonly CurvePoint[], steps: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser gives no 2D canvas context");
  const { width, height } = canvas;
  const left = 40, right = 10, top = 10, bottom = 24;
  const w = width - left - right, h = height - top - bottom;
  const x = (step: number) => left + (w * step) / Math.max(1, steps);
  const y = (accuracy: number) => top + h * (1 - accuracy);

  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#666";
  ctx.lineWidth = 1;
  for (const a of [0, 0.25, 0.5, 0.75, 1]) {
    ctx.beginPath();
    ctx.moveTo(left, y(a));
    ctx.lineTo(left + w, y(a));
    ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(a.toFixed(2), left - 4, y(a) + 4);
  }
  ctx.textAlign = "left";
  ctx.fillText("0", left, height - 6);
  ctx.textAlign = "right";
  ctx.fillText(`${steps} steps`, left + w, height - 6);

  const line = (color: string, value: (p: CurvePoint) => number) => {
    if (points.length === 0) return;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.step), y(value(p))) : ctx.lineTo(x(p.step), y(value(p)))));
    ctx.stroke();
    if (points.length === 1) ctx.fillRect(x(points[0].step) - 2, y(value(points[0])) - 2, 4, 4);
  };
  line(TRAIN, (p) => p.trainAccuracy);
  line(TEST, (p) => p.testAccuracy);
}
