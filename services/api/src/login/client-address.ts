import { BlockList, isIP } from 'node:net';

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
const unmapped = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** The proxies whose `X-Forwarded-For` is believed: IPs and CIDRs. */
export type TrustedProxies = { has: (address: string) => boolean };

/**
 * Parses `BERTH_TRUSTED_PROXIES`, a comma list such as `127.0.0.1, 10.0.0.0/8, ::1`; an entry
 * that is neither an IP nor a CIDR throws, naming it.
 */
export const parseTrustedProxies = (list: string): TrustedProxies => {
  const blocks = new BlockList();
  for (const entry of list
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    const badPrefix = prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || bits > maxBits);
    if (family === 0 || rest.length > 0 || badPrefix)
      throw new Error(`"${entry}" is neither an IP address nor a CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, bits, type);
  }
  return {
    has: (address) => {
      const plain = unmapped(address);
      const family = isIP(plain);
      return family !== 0 && blocks.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
};

/**
 * The address a request came from. Only a trusted proxy's `X-Forwarded-For` counts: walking it
 * from the right past trusted proxies, the first untrusted entry is the client (entries further
 * left were written by the client itself and prove nothing). An entry that is no IP address
 * ends the walk at the trusted hop that passed it on; when every hop is trusted, the left-most.
 */
export const clientAddress = (
  peer: string,
  forwardedFor: string | undefined,
  trusted: TrustedProxies,
): string => {
  let client = unmapped(peer);
  if (!trusted.has(client)) return client;
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((hop) => unmapped(hop.trim()))
    .filter((hop) => hop !== '');
  for (const hop of hops.reverse()) {
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
};
