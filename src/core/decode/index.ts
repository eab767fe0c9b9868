export * from './decoder';
export { BUILTIN_DECODERS, jsonDecoder, utf8Decoder } from './builtin';
export type { PayloadEncoder } from './encoder';
export * from './codecs';
