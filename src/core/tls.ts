import { readFileSync } from 'node:fs';
import { rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { CertificateInfo, TlsInfo } from '../shared/protocol';

/** TLS settings of a wss:// connection. Files may be given as paths or as the PEM text itself. */
export interface TlsSettings {
  /** Extra CA certificates to trust, besides the system's: file paths or PEM text. */
  ca?: string | string[];
  /** Client certificate (PEM path or text), with `key`. */
  cert?: string;
  /** Private key of the client certificate (PEM path or text). */
  key?: string;
  /** Client certificate and key as PKCS#12 (a file path or the bytes). */
  pfx?: string | Buffer;
  /** Passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** Skip certificate verification for this connection (rejectUnauthorized: false). */
  insecure?: boolean;
  /** Server name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
}

/** The options handed to `tls.connect` (through `ws`). */
export interface NodeTlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** Reads the files named in `settings`; a file that cannot be read is a sentence, not a throw. */
export function loadTlsOptions(
  settings: TlsSettings,
): { ok: true; options: NodeTlsOptions } | { ok: false; error: string } {
  const options: NodeTlsOptions = {};
  try {
    if (settings.ca !== undefined) {
      const list = Array.isArray(settings.ca) ? settings.ca : [settings.ca];
      // Node's `ca` replaces the system list; keep the system's so public servers still verify.
      options.ca = [...rootCertificates, ...list.map((c) => pemOrFile(c, 'CA certificate'))];
    }
    if (settings.cert !== undefined) options.cert = pemOrFile(settings.cert, 'client certificate');
    if (settings.key !== undefined) options.key = pemOrFile(settings.key, 'client key');
    if (settings.pfx !== undefined)
      options.pfx = Buffer.isBuffer(settings.pfx) ? settings.pfx : readFile(settings.pfx, 'PKCS#12 (pfx) file');
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (settings.passphrase !== undefined) options.passphrase = settings.passphrase;
  if (settings.insecure) options.rejectUnauthorized = false;
  if (settings.servername) options.servername = settings.servername;
  return { ok: true, options };
}

function pemOrFile(value: string, what: string): string {
  if (value.includes('-----BEGIN ')) return value;
  return readFile(value, what).toString('utf8');
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new Error(`Could not read the ${what} "${path}": ${why}. Check the path in the TLS settings.`, {
      cause: err,
    });
  }
}

const TRUST_HINT =
  'To trust it, add the PEM file of the CA that signed it to the setting websocketInspector.tls.caFiles; ' +
  'or, for one request only, skip verification with "# @insecure" above it in a .ws file.';

/**
 * The sentence for a TLS failure, or undefined when `err` is not about TLS.
 * Each says what is wrong with the certificate and how to trust it or allow it for this request.
 */
export function describeTlsError(err: unknown, where: string): string | undefined {
  const e = err as NodeJS.ErrnoException & { reason?: string; host?: string; cert?: { subjectaltname?: string } };
  const message = e instanceof Error ? e.message : String(err);
  switch (e?.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `The server at ${where} uses a self-signed TLS certificate, which is not trusted. ${TRUST_HINT}`;
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `The TLS certificate of ${where} was issued by a CA that is not trusted (a self-signed root in the chain). ${TRUST_HINT}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `The TLS certificate of ${where} was issued by a CA this machine does not know. ${TRUST_HINT}`;
    case 'CERT_HAS_EXPIRED':
      return `The TLS certificate of ${where} has expired. Renew it on the server; to connect anyway, turn off certificate verification for this connection (insecure).`;
    case 'CERT_NOT_YET_VALID':
      return `The TLS certificate of ${where} is not valid yet (check the clocks of both machines). To connect anyway, turn off certificate verification for this connection (insecure).`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = e.cert?.subjectaltname;
      const detail = names ? ` (it is for ${names})` : e.reason ? ` (${e.reason})` : '';
      return `The TLS certificate of ${where} is not valid for this host name${detail}. Connect with a name the certificate lists, or turn off certificate verification for this connection (insecure).`;
    }
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `${where} did not answer with TLS. Does it serve plain ws:// instead of wss://?`;
  }
  if (
    /certificate required|alert handshake failure|alert bad certificate|peer did not return a certificate/i.test(
      message,
    )
  ) {
    return `The server at ${where} refused the TLS handshake: it requires a client certificate. Set the client certificate and key (or a PKCS#12 file) for this connection.`;
  }
  if (/bad decrypt|mac verify failure|wrong passphrase|unable to load|no start line/i.test(message)) {
    return `The client certificate or key could not be used (${message}). Check the files and the passphrase.`;
  }
  if (/key values mismatch/i.test(message)) {
    return 'The client certificate and key do not belong together. Check the two files.';
  }
  return undefined;
}

/** Plain data about the TLS session of an open socket. */
export function tlsInfoOf(socket: TLSSocket): TlsInfo {
  const cipher = socket.getCipher();
  const alpn = socket.alpnProtocol;
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  return {
    version: socket.getProtocol() ?? 'unknown',
    cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
    alpn: alpn ? alpn : undefined,
    servername: servername ? servername : undefined,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
    certificates: certificateChain(socket.getPeerCertificate(true)),
  };
}

/** Leaf first; stops at a self-signed root (which points to itself) or a repeated certificate. */
export function certificateChain(leaf: DetailedPeerCertificate | undefined): CertificateInfo[] {
  const chain: CertificateInfo[] = [];
  const seen = new Set<string>();
  let cert = leaf;
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const subject = distinguishedName(cert.subject);
    const issuer = distinguishedName(cert.issuer);
    chain.push({
      subject,
      issuer,
      validFrom: cert.valid_from,
      validTo: cert.valid_to,
      subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(/,\s*/) : [],
      fingerprint256: cert.fingerprint256,
      serialNumber: cert.serialNumber,
      selfSigned: subject === issuer,
    });
    cert = cert.issuerCertificate;
  }
  return chain;
}

function distinguishedName(fields: object | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}
