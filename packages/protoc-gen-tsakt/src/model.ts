import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { AmbiguousRequestError, ContractOptionError, StreamingRpcError } from "./errors.js";
import { declarationName, memberName, NameScope } from "./names.js";
import { methodSettings, serviceSettings } from "./options.js";

/** The reply type of an rpc that has none. */
export const emptyTypeName = "google.protobuf.Empty";

/** What a grain kind may be called (the rule of @tsakt/grains). */
const kindPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** One rpc as the generated code treats it. */
export interface MethodModel {
  readonly rpc: DescMethod;
  /** Handler and client method name. */
  readonly name: string;
  /** No reply: the client tells, the handler returns nothing. */
  readonly tell: boolean;
  readonly reentrant: boolean;
}

/** One service as the generated code treats it. */
export interface ServiceModel {
  readonly service: DescService;
  /** The client class. */
  readonly className: string;
  /** The handler interface. */
  readonly handlersName: string;
  /** The grain kind. */
  readonly kind: string;
  readonly methods: readonly MethodModel[];
}

/** The services of one .proto file and the names of what their generated file exports. */
export interface FileModel {
  readonly file: DescFile;
  /** The exported array of protobuf files for remoting. */
  readonly typesName: string;
  readonly services: readonly ServiceModel[];
}

/**
 * Checks the services of `file` and names what their generated file declares; throws StreamingRpcError,
 * AmbiguousRequestError or ContractOptionError for what cannot be generated.
 */
export function fileModel(file: DescFile): FileModel {
  const scope = new NameScope();
  const typesName = scope.claim("types");
  // Classes are claimed first: they are the names users type most, so a clash suffixes an interface instead.
  const classNames = file.services.map((service) => scope.claim(declarationName(service.name)));
  const services = file.services.map((service, i) => {
    const handlersName = scope.claim(declarationName(`${service.name}Handlers`));
    return serviceModel(file, service, classNames[i] as string, handlersName);
  });
  return { file, typesName, services };
}

function serviceModel(file: DescFile, service: DescService, className: string, handlersName: string): ServiceModel {
  const settings = serviceSettings(service);
  const kind = settings.kind ?? service.typeName;
  if (!kindPattern.test(kind))
    throw new ContractOptionError(
      service.typeName,
      "(tsakt.options.v1.service).kind",
      settings.kind === undefined
        ? `the default kind, the service's full name, is longer than 64 characters; set a kind of 1 to 64 letters, digits, _ . -`
        : `${JSON.stringify(kind)} is no grain kind: use 1 to 64 letters, digits, _ . -`,
    );
  const members = new NameScope();
  const byInput = new Map<string, DescMethod>();
  const methods = service.methods.map((rpc): MethodModel => {
    const rpcName = `${service.typeName}.${rpc.name}`;
    if (rpc.methodKind !== "unary") throw new StreamingRpcError(rpcName, file.proto.name, rpc.methodKind);
    const other = byInput.get(rpc.input.typeName);
    if (other !== undefined) throw new AmbiguousRequestError(service.typeName, rpc.input.typeName, [other.name, rpc.name]);
    byInput.set(rpc.input.typeName, rpc);
    const options = methodSettings(rpc);
    const empty = rpc.output.typeName === emptyTypeName;
    if (options.tell === true && !empty)
      throw new ContractOptionError(
        rpcName,
        "(tsakt.options.v1.method).tell",
        `the rpc returns ${rpc.output.typeName}, but a tell has no reply: return google.protobuf.Empty, or drop tell: true to ask`,
      );
    return {
      rpc,
      name: members.claim(memberName(rpc.localName)),
      tell: options.tell ?? empty,
      reentrant: options.reentrant || settings.reentrant,
    };
  });
  return { service, className, handlersName, kind, methods };
}
