export { StaticDiscoveryProvider, type StaticDiscoveryOptions } from "./static-provider.js";
