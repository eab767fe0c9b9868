/**
 * QuickJS compiled to WebAssembly (the single-file variant: its wasm inside the JS), loaded only
 * when a request has scripts. Bundled on its own (dist/quickjs.js, scripts/build.mjs): the
 * extension's own bundle stays small and activation does not parse its 880 KiB.
 */
import type * as QuickJSCore from 'quickjs-emscripten-core';
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';

export function newQuickJS(): Promise<QuickJSWASMModule> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const core = require('quickjs-emscripten-core') as typeof QuickJSCore;
  const variant = require('@jitl/quickjs-singlefile-cjs-release-sync') as { default: unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return core.newQuickJSWASMModuleFromVariant(variant.default as never);
}
