/** The network key the rate limits count by (worker/src/network.ts): /24 for IPv4, /48 for IPv6. */
import { describe, expect, it } from "vitest";
import { networkOf } from "../../worker/src/network.js";

describe("networkOf", () => {
  it("keys an IPv4 address by its /24", () => {
    expect(networkOf("203.0.113.9")).toBe("203.0.113.0/24");
    expect(networkOf("203.0.113.254")).toBe("203.0.113.0/24");
    expect(networkOf("203.0.114.9")).toBe("203.0.114.0/24");
    expect(networkOf("0.0.0.0")).toBe("0.0.0.0/24");
    expect(networkOf("255.255.255.255")).toBe("255.255.255.0/24");
    expect(networkOf("127.0.0.1")).toBe("127.0.0.0/24");
  });

  it("keys an IPv6 address by its /48, however it is written", () => {
    expect(networkOf("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(networkOf("2001:0DB8:ABCD:0012:0000:0000:0000:0001")).toBe("2001:db8:abcd::/48");
    expect(networkOf("2001:db8:abcd:ffff:ffff:ffff:ffff:ffff")).toBe("2001:db8:abcd::/48");
    expect(networkOf("2001:db8:abce::1")).toBe("2001:db8:abce::/48");
    expect(networkOf("2001:db8::")).toBe("2001:db8:0::/48");
    expect(networkOf("::1")).toBe("0:0:0::/48");
    expect(networkOf("::")).toBe("0:0:0::/48");
    expect(networkOf("fe80::1:2:3:4:5")).toBe("fe80:0:0::/48");
    expect(networkOf("1:2:3:4:5:6:7::")).toBe("1:2:3::/48");
    // IPv4-compatible (deprecated) is plain IPv6: its /48 is ::/48.
    expect(networkOf("::1.2.3.4")).toBe("0:0:0::/48");
  });

  it("keys an IPv4-mapped IPv6 address as the IPv4 address it carries", () => {
    expect(networkOf("::ffff:203.0.113.9")).toBe("203.0.113.0/24");
    expect(networkOf("::FFFF:203.0.113.77")).toBe("203.0.113.0/24");
    expect(networkOf("::ffff:cb00:7109")).toBe("203.0.113.0/24");
    expect(networkOf("0:0:0:0:0:ffff:cb00:7109")).toBe("203.0.113.0/24");
    expect(networkOf("0:0:0:0:0:ffff:203.0.113.9")).toBe("203.0.113.0/24");
  });

  it("refuses anything that is not an address", () => {
    for (const junk of [
      "",
      "unknown",
      " 203.0.113.9",
      "203.0.113.9 ",
      "203.0.113",
      "203.0.113.9.1",
      "256.0.0.1",
      "203.0.113.-1",
      "203.00.113.9",
      "0x7f.0.0.1",
      "203.0.113.9/24",
      "2001:db8::1::2",
      ":::",
      "2001:db8:::1",
      ":2001:db8::1",
      "2001:db8::1:",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8::",
      "12345::1",
      "2001:db8::g",
      "fe80::1%eth0",
      "[2001:db8::1]",
      "::ffff:256.0.0.1",
      "::ffff:1.2.3",
      "::1.2.3.4:5",
      "1.2.3.4::",
      "203.0.113.9, 198.51.100.1",
    ]) {
      expect(networkOf(junk), JSON.stringify(junk)).toBeNull();
    }
  });
});
