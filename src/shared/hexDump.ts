// Pure and import-free, so the host (editor tabs) and the webview (detail pane) share one dump format.
/**
 * A classic hex dump: offset, 16 bytes in hex, and their printable ASCII.
 * `00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|`
 */
export function hexDump(bytes: Uint8Array, limit = Infinity): string {
  const end = Math.min(bytes.length, limit);
  const lines: string[] = [];
  for (let offset = 0; offset < end; offset += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const at = offset + i;
      if (at < end) {
        const b = bytes[at];
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  if (end < bytes.length) lines.push(`… ${bytes.length - end} more bytes`);
  return lines.join('\n');
}
