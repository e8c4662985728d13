export { type StaticDiscoveryOptions, StaticDiscoveryProvider } from "./static-provider.js";
