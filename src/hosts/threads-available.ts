/** Whether this runtime can run the thread pool, and if not, why (reported in the run's metadata). */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer === "undefined") return "SharedArrayBuffer is not available (the page is not cross-origin isolated, or the runtime has no threads)";
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return "the page is not cross-origin isolated (COOP/COEP headers missing)";
  return null;
}
