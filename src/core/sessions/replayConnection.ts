import type { ProxySettings } from '../proxy';
import type { TlsSettings } from '../tls';
import type { Transport } from '../transport';

/** The TLS and proxy fields of `transport`, nothing else (a caller may pass whole connection options). */
export function transportOnly(transport: (TlsSettings & ProxySettings) | undefined): TlsSettings & ProxySettings {
  if (!transport) return {};
  const { ca, cert, key, pfx, passphrase, insecure, servername, proxy, proxyStrictSSL, noProxy } = transport;
  const picked: TlsSettings & ProxySettings = {
    ca,
    cert,
    key,
    pfx,
    passphrase,
    insecure,
    servername,
    proxy,
    proxyStrictSSL,
    noProxy,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

export function describeEnd(connection: Transport): string {
  const s = connection.state;
  return s.phase === 'closed' || s.phase === 'error' ? s.message : 'it is no longer open.';
}

/** Closes normally and waits (at most 2 s) for the close to finish. */
export function closeAndWait(connection: Transport, code = 1000): Promise<void> {
  if (connection.state.phase !== 'open') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, 2000);
    const sub = connection.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') done();
    });
    function done() {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
    connection.close(code, '');
  });
}
