/**
 * The dashboard's reads of the edge API (no token: every route here is public), on the page's own
 * origin. A failed request throws an Error with the route, the status and the API's message.
 */
import type { AggregatesReply, RunsReply, SweepDetail, SweepSummary, UnitListing } from "./types.js";

/**
 * The largest page each paginated route hands out (worker/src/schema.ts: unitsQuerySchema,
 * runsQuerySchema; runs carry their curves, hence the smaller pages).
 */
const UNITS_PAGE = 1000;
const RUNS_PAGE = 100;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, location.origin));
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = (await response.json()) as { error?: { message?: string } };
      message = body.error?.message ?? message;
    } catch {
      // not a JSON error body: the status text says enough
    }
    throw new Error(`GET ${path}: ${response.status} ${message}`);
  }
  return (await response.json()) as T;
}

/** Every page of a paginated list, concatenated: pages are requested until one comes back short. */
async function allPages<T>(path: string, limit: number, items: (reply: any) => T[]): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const separator = path.includes("?") ? "&" : "?";
    const page = items(await getJson(`${path}${separator}limit=${limit}&offset=${offset}`));
    all.push(...page);
    if (page.length < limit) return all;
  }
}

export const sweepPath = (id: string) => `/api/sweeps/${encodeURIComponent(id)}`;

export async function listSweeps(): Promise<SweepSummary[]> {
  return (await getJson<{ sweeps: SweepSummary[] }>("/api/sweeps")).sweeps;
}

export async function getSweep(id: string): Promise<SweepDetail> {
  return (await getJson<{ sweep: SweepDetail }>(sweepPath(id))).sweep;
}

export async function getAggregates(id: string): Promise<AggregatesReply> {
  return getJson<AggregatesReply>(`${sweepPath(id)}/aggregates`);
}

/** The runs behind the published results; with `approximate`, the GPU results too. */
export async function getRuns(id: string, approximate: boolean): Promise<RunsReply["runs"]> {
  return allPages(`${sweepPath(id)}/runs${approximate ? "?include=approximate" : ""}`, RUNS_PAGE, (reply: RunsReply) => reply.runs);
}

export async function getUnits(id: string): Promise<UnitListing[]> {
  return allPages(`${sweepPath(id)}/units`, UNITS_PAGE, (reply: { units: UnitListing[] }) => reply.units);
}

export const OPENAPI_PATH = "/api/openapi.json";

/** The sweep's aggregates as files to download: CSV, and JSON (saved rather than opened, by its name). */
export function downloadLinks(id: string): { label: string; href: string; file: string }[] {
  return [
    { label: "aggregates (CSV)", href: `${sweepPath(id)}/aggregates?format=csv`, file: `sweep-${id}.csv` },
    { label: "aggregates (JSON)", href: `${sweepPath(id)}/aggregates?format=json`, file: `sweep-${id}-aggregates.json` },
  ];
}
