/**
 * The one secret masker: logs, hovers, recordings, exports and tooltips all hide credentials
 * with it, with one mask string, so a secret hidden in one place is hidden everywhere.
 */

/** What every hidden value is replaced with. */
export const MASK = '[redacted]';

/** Headers whose values are credentials; compared lowercase. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'sec-websocket-key',
]);

/** Query parameters whose values look like credentials. */
export const SECRET_PARAM = /token|secret|key|passw(or)?d|auth|credential|signature|sig$/i;

/** Secrets shorter than this are not replaced inside text (too many false hits). */
export const MIN_SECRET_LENGTH = 3;

/** Replaces each secret in `text` with the mask, longest first so a secret that contains another is hidden whole. */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/**
 * `url` fit to show or keep: the password of `user:pass@`, secret-looking query values
 * (`?token=…`) and every value in `secrets` masked. Text that is not a URL gets `secrets` masked.
 */
export function maskUrl(url: string, secrets: readonly string[] = []): string {
  let out = url;
  try {
    const u = new URL(url);
    // A placeholder without URL-special characters, swapped for the mask after serializing (the URL would percent-encode it).
    const placeholder = 'WSIMASKEDVALUE';
    let changed = false;
    if (u.password) {
      u.password = placeholder;
      changed = true;
    }
    for (const [name] of [...u.searchParams]) {
      if (!SECRET_PARAM.test(name)) continue;
      u.searchParams.set(name, placeholder);
      changed = true;
    }
    if (out.includes(placeholder)) throw new Error('the URL holds the placeholder itself');
    // Untouched URLs stay as written (no normalizing a trailing slash in).
    if (changed) out = u.toString().split(placeholder).join(MASK);
  } catch {
    // Not a URL: only the secrets below are masked.
  }
  return maskSecrets(out, secrets);
}

/** A copy of `headers` with credential headers masked whole and `secrets` masked inside the others. */
export function maskHeaders(headers: Record<string, string>, secrets: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? MASK : maskSecrets(String(value), secrets);
  return out;
}

/** True when a kept value was masked and so cannot be sent again as it was. */
export function isMasked(value: string): boolean {
  return value.includes(MASK);
}
