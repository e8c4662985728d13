import { createEcmaScriptPlugin, type Schema } from "@bufbuild/protoplugin";
import { fileModel } from "./model.js";
import { printFile } from "./print.js";
import { version } from "./version.js";

/**
 * The protoc/buf plugin: for each .proto with services it writes `<name>_tsakt.ts` beside protoc-gen-es's
 * `<name>_pb.ts` (a client class, a handler interface and the dispatch table per service, and the files for
 * remoting). Plugin parameters are protoplugin's (target, import_extension, …); run it with `bin/protoc-gen-tsakt.js`.
 */
export const protocGenTsakt = createEcmaScriptPlugin({
  name: "protoc-gen-tsakt",
  version: `v${version}`,
  generateTs,
});

function generateTs(schema: Schema): void {
  // Every file is checked before any is written, so an error never leaves half a generation behind.
  const models = schema.files.filter((file) => file.services.length > 0).map(fileModel);
  for (const model of models) {
    const f = schema.generateFile(`${model.file.name}_tsakt.ts`);
    f.preamble(model.file);
    printFile(f, model);
  }
}
