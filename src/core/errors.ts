import { STATUS_CODES } from 'node:http';

/** Turns what Node and `ws` throw into a sentence that says what happened and what to do. */
export function describeConnectError(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const where = hostPort(url);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `Connection refused by ${e.address && e.port ? `${e.address}:${e.port}` : where}. Is the server running on that port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Could not resolve the host "${e.hostname ?? new URL(url).hostname}". Check the URL and your network.`;
    case 'ETIMEDOUT':
      return `Connecting to ${where} timed out. Check that the host is reachable.`;
    case 'ECONNRESET':
      return `${where} reset the connection during the handshake. Is it a WebSocket server, and does it expect ws:// or wss://?`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from this machine. Check the address and your network.`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `The server at ${where} uses a self-signed TLS certificate, which is not trusted.`;
    case 'CERT_HAS_EXPIRED':
      return `The TLS certificate of ${where} has expired.`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The TLS certificate of ${where} is not valid for this host name.`;
    case 'EPROTO':
      return `TLS failed with ${where}. Does the server speak TLS (wss://), or plain ws://?`;
  }
  const message = e instanceof Error ? e.message : String(err);
  if (/Opening handshake has timed out/i.test(message)) {
    return `The server at ${where} did not complete the WebSocket handshake in time. Is it a WebSocket server? (To wait longer: "# @timeout 30s" in a .ws file, or the setting websocketInspector.connection.handshakeTimeout.)`;
  }
  if (/Invalid Sec-WebSocket-Accept/i.test(message)) {
    return `The server at ${where} answered with a wrong Sec-WebSocket-Accept header, so this is not a valid WebSocket handshake.`;
  }
  return `Could not connect to ${where}: ${message}`;
}

/** The sentence for an HTTP answer that is not `101 Switching Protocols`. */
export function describeUnexpectedResponse(status: number, statusText: string | undefined, body: string, url: string): string {
  const text = statusText || STATUS_CODES[status] || '';
  const hint =
    status === 401 || status === 403
      ? ' Check the Authorization header or credentials.'
      : status === 404
        ? ' Check the path of the URL.'
        : status >= 300 && status < 400
          ? ' The server redirects; connect to the new location instead.'
          : status === 426
            ? ' The server wants a different protocol version.'
            : '';
  const snippet = body.trim() ? ` The server said: ${body.trim().slice(0, 300)}` : '';
  return `Server ${hostPort(url)} refused the upgrade: ${status} ${text}.${hint}${snippet}`;
}

function hostPort(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'wss:' ? '443' : '80');
    return `${u.hostname}:${port}`;
  } catch {
    return url;
  }
}
