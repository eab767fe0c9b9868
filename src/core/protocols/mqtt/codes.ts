/**
 * MQTT's codes in the specifications' own words: the CONNACK return codes of 3.1.1 (§3.2.2.3),
 * its SUBACK return codes (§3.9.3), and MQTT 5's reason codes (§2.4), whose 0x00 reads by packet.
 */

/** MQTT 3.1.1 CONNACK return codes. */
const RETURN_CODES: Record<number, string> = {
  0: 'Connection Accepted',
  1: 'Connection Refused, unacceptable protocol version',
  2: 'Connection Refused, identifier rejected',
  3: 'Connection Refused, Server unavailable',
  4: 'Connection Refused, bad user name or password',
  5: 'Connection Refused, not authorized',
};

/** MQTT 5 reason codes (0x00 has a name per packet: see `reasonName`). */
const REASON_CODES: Record<number, string> = {
  0x01: 'Granted QoS 1',
  0x02: 'Granted QoS 2',
  0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers',
  0x11: 'No subscription existed',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8b: 'Server shutting down',
  0x8c: 'Bad authentication method',
  0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over',
  0x8f: 'Topic Filter invalid',
  0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use',
  0x92: 'Packet Identifier not found',
  0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid',
  0x95: 'Packet too large',
  0x96: 'Message rate too high',
  0x97: 'Quota exceeded',
  0x98: 'Administrative action',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported',
  0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported',
};

/** What 0x00 means in each packet that carries a reason code. */
const SUCCESS: Record<string, string> = {
  SUBACK: 'Granted QoS 0',
  DISCONNECT: 'Normal disconnection',
};

const hex = (code: number) => `0x${code.toString(16).padStart(2, '0')}`;

/** "5 Connection Refused, not authorized" for a 3.1.1 CONNACK. */
export function returnCodeName(code: number): string {
  return `${code} ${RETURN_CODES[code] ?? '(reserved for future use)'}`;
}

/** "0x87 Not authorized", with 0x00 named for `packet` ("Success", "Granted QoS 0", "Normal disconnection"). */
export function reasonName(code: number, packet = ''): string {
  const name = code === 0 ? (SUCCESS[packet] ?? 'Success') : REASON_CODES[code];
  return `${hex(code)} ${name ?? '(not an MQTT 5 reason code)'}`;
}

/** A 3.1.1 SUBACK return code: "QoS 1 granted", "0x80 Failure". */
export function subackName(code: number, version: number): string {
  if (version === 5) return reasonName(code, 'SUBACK');
  return code <= 2 ? `QoS ${code} granted` : code === 0x80 ? '0x80 Failure' : `${hex(code)} (not a SUBACK return code)`;
}

/** MQTT 5: reason codes of 0x80 and above say the request failed. */
export const failed = (code: number | undefined): boolean => code !== undefined && code >= 0x80;

/** "MQTT 3.1.1", "MQTT 5", "MQTT 3.1". */
export function versionName(version: number | undefined): string {
  return version === 5 ? 'MQTT 5' : version === 3 ? 'MQTT 3.1' : 'MQTT 3.1.1';
}
