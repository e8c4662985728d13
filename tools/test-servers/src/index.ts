export { binaryAvailable, binaryEnvOverrides, findBinary, MissingBinaryError, requireBinary, skipWithoutBinary } from "./binary.js";
export type { AddressRecord, DnsRecords, PtrRecord, SrvRecord, TxtRecord } from "./dns-records.js";
export { type DnsmasqHandle, type DnsmasqOptions, type RecordsApplied, startDnsmasq } from "./dnsmasq.js";
export { type EtcdHandle, type EtcdOptions, startEtcd } from "./etcd.js";
export { freePort, freePorts, freeUdpTcpPort } from "./free-port.js";
export { IpcChild, type IpcMessage } from "./ipc-child.js";
export { type ChildLine, LineChild, type LineChildOptions } from "./line-child.js";
export { type NatsServerHandle, type NatsServerOptions, startNatsServer } from "./nats-server.js";
export {
  type NetnsHost,
  type NetnsLab,
  type NetnsLabOptions,
  NetnsUnavailableError,
  netnsPrefix,
  netnsUnavailableReason,
  skipWithoutNetns,
  startNetnsLab,
} from "./netns.js";
export { nodeBinary } from "./node-binary.js";
export { type PostgresHandle, type PostgresOptions, postgresRunAs, startPostgres } from "./postgres.js";
export type { ServerHandle } from "./server-handle.js";
export { nodeNames, type TestNode, testNode, uniqueName } from "./test-helpers.js";
export { exitWithParent, spawnTsChild, type TsChild, type TsChildOptions } from "./ts-child.js";
