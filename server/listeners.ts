import { formatAddr, type Protocol, type Reactor } from "../reactor/mod.ts";
import type { Config } from "./config.ts";

/** A listener could not be bound; the message says what to do. */
export class BindError extends Error {
  override name = "BindError";
}

/** The protocols a process can serve, by listener name. */
export interface Protocols {
  echo?: Protocol<unknown>;
  chat?: Protocol<unknown>;
}

/** One bound listener. */
export interface BoundAddress {
  name: "echo" | "chat" | "echo-tls" | "chat-tls";
  address: string;
  port: number;
}

/**
 * Binds every enabled listener of `config` on `reactor`. Throws
 * {@link BindError} with a one-line message when a port is taken or not
 * allowed; listeners bound before the failure stay with the reactor.
 *
 * With `tls` (PEM certificate chain and key), the TLS listeners `echo-tls`
 * and `chat-tls` are bound too, serving the same protocol objects as the
 * plain ones: one chat room, one set of nicknames, whichever port. With
 * `reusePort`, other reactors of this machine may bind the same ports.
 */
export function bindListeners(
  reactor: Reactor,
  config: Config,
  protocols: Protocols,
  tls?: { cert: string; key: string },
  reusePort = false,
): BoundAddress[] {
  const bound: BoundAddress[] = [];
  const wanted: {
    name: BoundAddress["name"];
    port: number | null;
    protocol: Protocol<unknown> | undefined;
    tls?: { cert: string; key: string };
  }[] = [
    { name: "echo", port: config.echoPort, protocol: protocols.echo },
    { name: "chat", port: config.chatPort, protocol: protocols.chat },
  ];
  if (tls !== undefined) {
    wanted.push(
      { name: "echo-tls", port: config.echoTlsPort, protocol: protocols.echo, tls },
      { name: "chat-tls", port: config.chatTlsPort, protocol: protocols.chat, tls },
    );
  }
  for (const { name, port, protocol, tls } of wanted) {
    if (port === null || protocol === undefined) continue;
    try {
      const addr = reactor.listen({
        name,
        hostname: config.host,
        port,
        protocol,
        reusePort,
        ...(tls === undefined ? {} : { tls }),
      });
      bound.push({ name, address: formatAddr(addr), port: addr.port });
    } catch (error) {
      throw new BindError(describeBindError(error, name, config.host, port));
    }
  }
  return bound;
}

/** A one-line message for a failed bind: what went wrong and which flag changes it. */
export function describeBindError(
  error: unknown,
  name: string,
  host: string,
  port: number,
): string {
  const flag = `--${name}-port`;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return `Port ${port} is already in use on ${host}: pass ${flag} to choose another`;
  }
  if (
    error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable ||
    code === "EACCES" || code === "EPERM"
  ) {
    return `Not allowed to listen on ${host}:${port}: choose a port above 1023 with ${flag}, or grant network permission`;
  }
  if (
    error instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL" ||
    code === "ENOTFOUND"
  ) {
    return `Cannot listen on ${host}: it is not an address of this machine (check --host)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Cannot listen on ${host}:${port} for ${name}: ${message}`;
}
