export { binaryAvailable, binaryEnvOverrides, findBinary, MissingBinaryError, requireBinary, skipWithoutBinary } from "./binary.js";
export { startEtcd, type EtcdHandle, type EtcdOptions } from "./etcd.js";
export { freePort, freePorts } from "./free-port.js";
export { startNatsServer, type NatsServerHandle, type NatsServerOptions } from "./nats-server.js";
export type { ServerHandle } from "./server-handle.js";
export { exitWithParent, spawnTsChild, type TsChild, type TsChildOptions } from "./ts-child.js";
export { nodeNames, pollUntil, testNode, type TestNode, uniqueName } from "./test-helpers.js";
