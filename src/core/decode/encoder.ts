export interface PayloadEncoder {
  id: string;
  label: string;
  encode(json: unknown): Buffer;
}
