/**
 * The network a request comes from, as the rate limits (rate-limit.ts) count it: the connecting IP's
 * /24 for IPv4 and /48 for IPv6 (a household, an office or a small provider's customer usually owns
 * one such block, so a person with many addresses still counts as one network). An IPv4 address
 * carried in IPv6 (::ffff:a.b.c.d, as dual-stack sockets report IPv4 peers) is the IPv4 address.
 *
 * The address is CF-Connecting-IP: Cloudflare's edge sets it to the TCP peer and overwrites any value
 * a client sends; `wrangler dev` sets it to the local peer (127.0.0.1) when absent and passes a
 * client's own through, which is how the tests play volunteers from different networks.
 *
 * Pure: no Workers APIs.
 */

/** The header that carries the connecting IP. */
export const CONNECTING_IP_HEADER = "cf-connecting-ip";

/**
 * The network key of an address: "a.b.c.0/24" for IPv4, "x:y:z::/48" for IPv6 (lower case, no
 * leading zeros), or null when `address` is not an IP address.
 */
export function networkOf(address: string): string | null {
  const ipv4 = parseIpv4(address);
  if (ipv4) return `${ipv4[0]}.${ipv4[1]}.${ipv4[2]}.0/24`;
  const ipv6 = parseIpv6(address);
  if (!ipv6) return null;
  if (isIpv4Mapped(ipv6)) return `${ipv6[6] >> 8}.${ipv6[6] & 0xff}.${ipv6[7] >> 8}.0/24`;
  return `${ipv6.slice(0, 3).map((group) => group.toString(16)).join(":")}::/48`;
}

/** Four octets of a dotted-quad address (decimal, no leading zeros: "010" could mean octal), or null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** Eight 16-bit groups of an IPv6 address ("::" compression and a dotted IPv4 tail allowed; no zone), or null. */
function parseIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === "") return [];
    const parts = half.split(":");
    const groups: number[] = [];
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        const ipv4 = parseIpv4(part);
        if (!ipv4) return null;
        groups.push((ipv4[0] << 8) | ipv4[1], (ipv4[2] << 8) | ipv4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) groups.push(parseInt(part, 16));
      else return null;
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return null;
  // A dotted tail may only end the address.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** ::ffff:0:0/96, IPv4 addresses mapped into IPv6. */
function isIpv4Mapped(groups: number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}
