export { EtcdLease, type EtcdLeaseOptions, LeaseUnavailableError } from "./etcd-lease.js";
