/** Sweeps and volunteers for the API tests (through the API itself). */
import { TEST_ADMIN_TOKEN, type WorkerServer } from "./worker-server.js";
import { smallMlpConfig } from "./configs.js";

export const BASE_CONFIG = smallMlpConfig({ p: 31, hidden: [48], steps: 50 });

export const CAPABILITIES = { simd: true, threads: true, cores: 8, webgpu: false, userAgent: "test" };

export interface Volunteer {
  clientId: string;
  token: string;
}

export async function registerVolunteers(api: WorkerServer, count: number): Promise<Volunteer[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const { status, body } = await api.request("POST", "/api/clients", { body: CAPABILITIES });
      if (status !== 201) throw new Error(`registration failed: ${status} ${JSON.stringify(body)}`);
      return body as Volunteer;
    }),
  );
}

/** Creates a sweep (base config BASE_CONFIG unless given) and returns its id. */
export async function createSweep(api: WorkerServer, sweep: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await api.request("POST", "/api/sweeps", { token: TEST_ADMIN_TOKEN, body: { name: "test sweep", baseConfig: BASE_CONFIG, seeds: [0], ...sweep } });
  if (status !== 201) throw new Error(`sweep creation failed: ${status} ${JSON.stringify(body)}`);
  return body.sweep.id;
}

export async function getSweep(api: WorkerServer, id: string) {
  const { status, body } = await api.request("GET", `/api/sweeps/${id}`);
  if (status !== 200) throw new Error(`GET sweep failed: ${status} ${JSON.stringify(body)}`);
  return body.sweep;
}

export async function unitsOf(api: WorkerServer, id: string) {
  const { status, body } = await api.request("GET", `/api/sweeps/${id}/units?limit=1000`);
  if (status !== 200) throw new Error(`GET units failed: ${status} ${JSON.stringify(body)}`);
  return body.units as any[];
}

export async function lease(api: WorkerServer, volunteer: Volunteer) {
  return api.request("POST", "/api/leases", { token: volunteer.token });
}
