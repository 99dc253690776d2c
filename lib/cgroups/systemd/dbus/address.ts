// D-Bus server addresses ("unix:path=/run/dbus/system_bus_socket;unix:abstract=/tmp/x,guid=…"):
// the unix-socket entries, in order, as paths net.connect() understands (abstract = leading NUL).

export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';

export interface BusSocket {
  /** Path for net.connect (abstract sockets start with "\0"). */
  path: string;
  /** The address entry as written, for messages. */
  address: string;
}

function unescape(v: string, entry: string): string {
  return v.replace(/%([0-9A-Fa-f]{2})|%/g, (m, hex: string | undefined) => {
    if (!hex) throw new Error(`D-Bus address ${JSON.stringify(entry)}: a "%" must be followed by two hex digits`);
    return String.fromCharCode(parseInt(hex, 16));
  });
}

/** The address the system bus is at: DBUS_SYSTEM_BUS_ADDRESS, else the well-known socket. */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS;
}

/**
 * Unix-socket entries of an address list. Other transports (tcp, launchd, …) are skipped; an
 * address with none left is an error naming the address.
 */
export function parseBusAddress(address: string): BusSocket[] {
  const out: BusSocket[] = [];
  for (const entry of address.split(';')) {
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`D-Bus address ${JSON.stringify(entry)}: no transport (expected e.g. "unix:path=/run/dbus/system_bus_socket")`);
    const transport = entry.slice(0, colon);
    if (transport !== 'unix') continue;
    const kv = new Map<string, string>();
    for (const pair of entry.slice(colon + 1).split(',')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq < 0) throw new Error(`D-Bus address ${JSON.stringify(entry)}: ${JSON.stringify(pair)} is not key=value`);
      kv.set(pair.slice(0, eq), unescape(pair.slice(eq + 1), entry));
    }
    const path = kv.get('path');
    const abstract = kv.get('abstract');
    if (path !== undefined) out.push({ path, address: entry });
    else if (abstract !== undefined) out.push({ path: '\0' + abstract, address: entry });
    // unix:tmpdir= / unix:dir= / unix:runtime= are listen-only addresses: nothing to connect to.
  }
  if (out.length === 0) throw new Error(`D-Bus address ${JSON.stringify(address)}: no unix socket to connect to (only unix:path= and unix:abstract= are supported)`);
  return out;
}
