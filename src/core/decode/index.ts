export * from './decoder';
export { BUILTIN_DECODERS, jsonDecoder, utf8Decoder } from './builtin';
export type { PayloadEncoder } from './encoder';
export * from './codecs';
export {
  loadDescriptorSet,
  loadProtoSchema,
  protobufDecoder,
  protobufEncoder,
  protobufRawDecoder,
  type ProtoProblem,
  type ProtoSchema,
  type ProtoSchemaResult,
} from './protobuf';
export * from './payloads';
