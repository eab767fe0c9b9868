export { WireCapture, DEFAULT_WIRE_CAPTURE_BYTES } from './capture';
export { parseWire, summarizeWire, type WireField, type WireSegment, type WireSummary } from './parse';
export { compareSocketAndWebSocket, type CompareResult, type CompareSide } from './compare';
