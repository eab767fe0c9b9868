export * from './decoder';
export { BUILTIN_DECODERS, jsonDecoder, utf8Decoder } from './builtin';
