/**
 * Which addresses a source may reach: not private, loopback, link-local or otherwise internal ones
 * (unless SOURCES_ALLOW_PRIVATE), so a source list cannot be used to probe internal services.
 * Checked on the resolved address the connection really uses, not on the host name.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  INTERNAL.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const)
  INTERNAL.addSubnet(network, prefix, "ipv6");

/** True for an address a public web source must not resolve to. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4-mapped address (::ffff:10.0.0.1) is the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return INTERNAL.check(mapped[1], "ipv4");
    return INTERNAL.check(address, "ipv6");
  }
  return INTERNAL.check(address, "ipv4");
}

export class BlockedAddressError extends Error {}

/** A DNS lookup for http.request that refuses internal addresses (every one the name resolves to). */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const list = addresses as LookupAddress[];
    const blocked = list.find((entry) => isInternalAddress(entry.address));
    if (blocked) {
      return callback(
        new BlockedAddressError(
          `${hostname} resolves to ${blocked.address}, a private, loopback or link-local address (set SOURCES_ALLOW_PRIVATE=true to allow it)`,
        ),
        "",
        0,
      );
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
    callback(null, first.address, first.family);
  });
};
