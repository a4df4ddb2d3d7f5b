import {
  availableParallelism,
  networkInterfaces,
  totalmem,
  type NetworkInterfaceInfo,
} from 'node:os';

// Bridges and veths that Docker makes are never how other hosts reach this one.
const VIRTUAL = /^(docker|br-|veth|virbr|lo)/;

/** The address other hosts reach this one on: the first external IPv4 of a real interface. */
export const chooseAddress = (
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): string | undefined => {
  for (const [name, addresses] of Object.entries(interfaces).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (VIRTUAL.test(name)) continue;
    const ipv4 = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (ipv4 !== undefined) return ipv4.address;
  }
  return undefined;
};

/** What this host offers: CPUs, memory in MB, and the address of its Docker API. */
export const detectHost = (options: { address: string | undefined; dockerPort: number }) => {
  const address = options.address ?? chooseAddress(networkInterfaces());
  if (address === undefined)
    throw new Error('no external IPv4 address found; set BERTH_AGENT_ADDRESS');
  return {
    cpus: availableParallelism(),
    memory: Math.floor(totalmem() / 1024 / 1024),
    addr: `tcp://${address}:${options.dockerPort}`,
  };
};
