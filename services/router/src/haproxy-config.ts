/** What the proxy listens on, and how many services and replicas per service it has room for. */
export type ProxyLayout = {
  host: string;
  port: number;
  /** The runtime API's unix socket. */
  socket: string;
  /** Host name → backend map, filled at run time through the runtime API. */
  hostsMap: string;
  services: number;
  replicasPerService: number;
};

export const backendName = (index: number) => `svc${index}`;
export const serverName = (slot: number) => `r${slot}`;

/**
 * HAProxy's configuration: one frontend that picks a backend by the Host header through a map
 * (an unknown host gets 404 from the proxy), and pre-allocated backends whose server slots start
 * in maintenance; the router fills and empties slots at run time, never reloading.
 */
export const renderConfig = (layout: ProxyLayout): string => {
  const servers = Array.from(
    { length: layout.replicasPerService },
    (_, slot) => `  server ${serverName(slot)} 127.0.0.1:1 disabled`,
  );
  const backends = Array.from({ length: layout.services }, (_, index) =>
    [`backend ${backendName(index)}`, '  balance roundrobin', ...servers].join('\n'),
  );
  return `${[
    'global',
    `  stats socket ${layout.socket} mode 600 level admin`,
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-request 10s',
    // A replica that went away without being drained (a crash) costs a retry, not a request.
    '  retries 2',
    '  option redispatch',
    '  option http-server-close',
    'frontend services',
    `  bind ${layout.host}:${layout.port}`,
    `  http-request set-var(txn.backend) req.hdr(host),field(1,:),lower,map(${layout.hostsMap})`,
    '  http-request return status 404 content-type text/plain string "no such service" ' +
      'unless { var(txn.backend) -m found }',
    '  use_backend %[var(txn.backend)]',
    ...backends,
  ].join('\n')}\n`;
};
