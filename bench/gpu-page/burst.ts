/**
 * A timed burst in the page and its worker (bench/support/timing.ts is Node's): calls `body` until
 * `ms` have passed and at least `minCalls` times, and returns the mean ms per call.
 */
export function burstMs(body: () => void, ms: number, minCalls: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (calls < minCalls || elapsed < ms) {
    body();
    calls++;
    elapsed = performance.now() - start;
  }
  return elapsed / calls;
}
