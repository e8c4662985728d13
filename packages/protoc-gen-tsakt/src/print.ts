import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type GeneratedFile, getComments } from "@bufbuild/protoplugin";
import type { FileModel, MethodModel, ServiceModel } from "./model.js";

/** The symbols generated code imports (an import is printed only when the symbol is). */
function symbols(f: GeneratedFile) {
  const type = (from: string, name: string) => f.import(name, from, true);
  return {
    create: f.runtime.create,
    MessageInitShape: type("@bufbuild/protobuf", "MessageInitShape"),
    ActorFactory: type("@tsakt/actor", "ActorFactory"),
    ActorSystem: type("@tsakt/actor", "ActorSystem"),
    AskOptions: type("@tsakt/actor", "AskOptions"),
    PID: type("@tsakt/actor", "PID"),
    ProtoTypes: type("@tsakt/actor", "ProtoTypes"),
    ReceiveContext: type("@tsakt/actor", "ReceiveContext"),
    grainOf: f.import("grainOf", "@tsakt/grains"),
    GrainIdentity: type("@tsakt/grains", "GrainIdentity"),
    GrainKindDefinition: type("@tsakt/grains", "GrainKindDefinition"),
    GrainReceiveContext: type("@tsakt/grains", "GrainReceiveContext"),
    contract: f.import("contract", "@tsakt/contracts"),
    grainKind: f.import("grainKind", "@tsakt/contracts"),
    actorFactory: f.import("actorFactory", "@tsakt/contracts"),
    ActorHooks: type("@tsakt/contracts", "ActorHooks"),
    Contract: type("@tsakt/contracts", "Contract"),
    GrainContractOptions: type("@tsakt/contracts", "GrainContractOptions"),
    GrainHooks: type("@tsakt/contracts", "GrainHooks"),
    NoReply: type("@tsakt/contracts", "NoReply"),
    Reply: type("@tsakt/contracts", "Reply"),
  };
}

type Symbols = ReturnType<typeof symbols>;

/** Prints the generated file of `model`: the types for remoting, then per service its handler interface and client. */
export function printFile(f: GeneratedFile, model: FileModel): void {
  const s = symbols(f);
  printTypes(f, model, s);
  for (const service of model.services) {
    f.print();
    printHandlers(f, service, s);
    f.print();
    printClient(f, service, s);
  }
}

function printTypes(f: GeneratedFile, model: FileModel, s: Symbols): void {
  const files = [model.file];
  for (const service of model.services)
    for (const { rpc } of service.methods)
      for (const file of [rpc.input.file, rpc.output.file]) if (!files.includes(file)) files.push(file);
  f.print(
    f.jsDoc(
      "The protobuf files of this file's requests and replies: pass them to remoting so they can cross processes,\n" +
        "`remoting({ types })` (several files: `types: [...bankTypes, ...ledgerTypes]`).",
    ),
  );
  const list = files.flatMap((file, i) => (i === 0 ? [f.importSchema(file)] : [", ", f.importSchema(file)]));
  f.print(f.export("const", model.typesName), ": ", s.ProtoTypes, "[] = [", list, "];");
}

function printHandlers(f: GeneratedFile, model: ServiceModel, s: Symbols): void {
  const { service, handlersName, className } = model;
  f.print(
    f.jsDoc(
      doc(
        service,
        `What a grain or actor of ${service.typeName} implements: one method per rpc, called with the request and the\n` +
          "context, returning the reply (a message, its init object, or a promise of either). `Context$` is the\n" +
          `GrainReceiveContext of a grain (${className}.grain); write \`${handlersName}<ReceiveContext>\` for an actor (${className}.actor).`,
      ),
    ),
  );
  if (model.methods.length === 0) {
    f.print(f.export("interface", handlersName), "<_Context$ = ", s.GrainReceiveContext, "> {}");
    return;
  }
  f.print(f.export("interface", handlersName), "<Context$ = ", s.GrainReceiveContext, "> {");
  model.methods.forEach((method, i) => {
    const { rpc } = method;
    if (i > 0) f.print();
    f.print(f.jsDoc(doc(rpc, method.tell ? "A tell: the sender gets no reply." : replyDoc(rpc)), "  "));
    const request = f.importShape(rpc.input);
    if (rpc.output.typeName === "google.protobuf.Empty")
      f.print("  ", method.name, "(request: ", request, ", ctx: Context$): ", s.NoReply, ";");
    else
      f.print("  ", method.name, "(request: ", request, ", ctx: Context$): ", s.Reply, "<typeof ", f.importSchema(rpc.output, true), ">;");
  });
  f.print("}");
}

function replyDoc(rpc: DescMethod): string {
  return rpc.output.typeName === "google.protobuf.Empty"
    ? "An ask answered with google.protobuf.Empty once the handler is done."
    : `An ask: the handler's result is the ${rpc.output.typeName} reply.`;
}

function printClient(f: GeneratedFile, model: ServiceModel, s: Symbols): void {
  const { service, className: C, handlersName: H, kind } = model;
  f.print(
    f.jsDoc(
      doc(
        service,
        `A typed client of ${service.typeName}: \`${C}.of(system, id)\` calls the grain \`id\` of kind ${JSON.stringify(kind)},\n` +
          `\`${C}.named(system, name)\` and \`${C}.at(pid)\` an actor. \`${C}.grain(…)\` and \`${C}.actor(…)\` make grains and\n` +
          `actors of handlers that implement ${H}.`,
      ),
    ),
  );
  f.print(f.export("class", C), " {");
  f.print("  /** The grain kind `of` addresses: register `", C, ".grain(…)` under it. */");
  f.print("  static readonly kind = ", f.string(kind), ";");
  f.print();
  f.print("  /** The rpcs by request type, as @tsakt/contracts dispatches them. */");
  const open = [
    "  static readonly contract: ",
    s.Contract,
    " = ",
    s.contract,
    "(",
    f.string(service.typeName),
    ", ",
    f.string(kind),
    ", [",
  ];
  if (model.methods.length === 0) f.print(open, "]);");
  else f.print(open);
  for (const method of model.methods) {
    const { rpc, name } = method;
    const output = method.tell ? "undefined" : f.importSchema(rpc.output);
    f.print("    {");
    f.print("      name: ", f.string(name), ",");
    f.print("      input: ", f.importSchema(rpc.input), ",");
    f.print("      output: ", output, ",");
    f.print("      reentrant: ", method.reentrant, ",");
    f.print("      invoke: (h: ", H, "<unknown>, request: ", f.importShape(rpc.input), ", ctx: unknown) => h.", name, "(request, ctx),");
    f.print("    },");
  }
  if (model.methods.length > 0) f.print("  ]);");
  f.print();
  f.print("  /** A client of the grain `id` of this kind; the grain activates on the first call, wherever placement puts it. */");
  f.print("  static of(system: ", s.ActorSystem, ", id: string): ", C, " {");
  f.print("    return new ", C, "(", s.grainOf, "(system, ", C, ".kind, id));");
  f.print("  }");
  f.print();
  f.print("  /** A client of the actor named or addressed `name`, local, remote or clustered; rejects with ActorNotFoundError. */");
  f.print("  static async named(system: ", s.ActorSystem, ", name: string): Promise<", C, "> {");
  f.print("    return new ", C, "(await system.actorOf(name));");
  f.print("  }");
  f.print();
  f.print("  /** A client of the grain or actor behind `pid`. */");
  f.print("  static at(pid: ", s.PID, "): ", C, " {");
  f.print("    return new ", C, "(pid);");
  f.print("  }");
  f.print();
  f.print(
    "  /** A grain kind of these handlers, made per activation: `grains({ kinds: { [",
    C,
    ".kind]: ",
    C,
    ".grain((identity) => …) } })`. */",
  );
  f.print(
    "  static grain(factory: (identity: ",
    s.GrainIdentity,
    ") => ",
    H,
    " & ",
    s.GrainHooks,
    ", options?: ",
    s.GrainContractOptions,
    "): ",
    s.GrainKindDefinition,
    " {",
  );
  f.print("    return ", s.grainKind, "(", C, ".contract, factory, options);");
  f.print("  }");
  f.print();
  f.print("  /** An actor factory of these handlers: `system.spawn(name, ", C, ".actor(() => …))`. */");
  f.print("  static actor(factory: () => ", H, "<", s.ReceiveContext, "> & ", s.ActorHooks, "): ", s.ActorFactory, " {");
  f.print("    return ", s.actorFactory, "(", C, ".contract, factory);");
  f.print("  }");
  f.print();
  f.print("  /** The grain or actor this client calls. */");
  f.print("  readonly $pid: ", s.PID, ";");
  f.print();
  f.print("  constructor(pid: ", s.PID, ") {");
  f.print("    this.$pid = pid;");
  f.print("  }");
  for (const method of model.methods) {
    f.print();
    printCall(f, method, s);
  }
  f.print("}");
}

function printCall(f: GeneratedFile, method: MethodModel, s: Symbols): void {
  const { rpc, name } = method;
  const schema = f.importSchema(rpc.input);
  // A request without fields may be left out: `account.getBalance()`.
  const request = [
    "request: ",
    s.MessageInitShape,
    "<typeof ",
    f.importSchema(rpc.input, true),
    ">",
    rpc.input.fields.length === 0 ? " = {}" : "",
  ];
  if (method.tell) {
    f.print(f.jsDoc(doc(rpc, "Tells: returns at once, false when the message was not accepted (see PID.tell)."), "  "));
    f.print("  ", name, "(", request, ", sender?: ", s.PID, "): boolean {");
    f.print("    return this.$pid.tell(", s.create, "(", schema, ", request), sender);");
  } else {
    const reply = f.importShape(rpc.output);
    f.print(
      f.jsDoc(
        doc(
          rpc,
          `Asks: resolves with the ${rpc.output.typeName} reply; rejects with the handler's error, AskTimeoutError or AskAbortedError.`,
        ),
        "  ",
      ),
    );
    f.print("  ", name, "(", request, ", options?: ", s.AskOptions, "): Promise<", reply, "> {");
    f.print("    return this.$pid.ask<", reply, ">(", s.create, "(", schema, ", request), options);");
  }
  f.print("  }");
}

/** A JSDoc text: the .proto comments, then `own`, then where it was generated from. */
function doc(desc: DescService | DescMethod, own: string): string {
  const comments = getComments(desc);
  const parts = [comments.leading, comments.trailing]
    .filter((c): c is string => c !== undefined && c.trim() !== "")
    .map((c) =>
      c
        .replace(/\n$/, "")
        .split("\n")
        .map((line) => (line.startsWith(" ") ? line.slice(1) : line))
        .join("\n"),
    );
  parts.push(own, `@generated from ${desc.toString()}${desc.deprecated ? "\n@deprecated" : ""}`);
  return parts.join("\n\n");
}
