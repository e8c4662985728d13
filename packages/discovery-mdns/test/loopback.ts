/** Socket options that keep mDNS traffic on the loopback interface, on a port of its own so parallel test files never hear each other. */
export function loopbackOptions(): { interface: string; bind: string; port: number; loopback: boolean } {
  return { interface: "127.0.0.1", bind: "224.0.0.251", port: 20_000 + Math.floor(Math.random() * 40_000), loopback: true };
}
