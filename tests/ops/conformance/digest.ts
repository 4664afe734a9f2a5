/** SHA-256 of each output's bytes (browser-safe: Web Crypto, which Node 20 has too), to compare hosts across a process boundary. */
import { outputBytes, type Outputs } from "./op-cases.js";

export type Digests = Record<string, string>;

export async function digestOutputs(outputs: Outputs): Promise<Digests> {
  const digests: Digests = {};
  for (const [name, value] of Object.entries(outputs)) {
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", outputBytes(value).slice()));
    digests[name] = Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return digests;
}
