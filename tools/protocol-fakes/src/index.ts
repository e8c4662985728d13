export type { CheckStatus, FakeConsulCheck, FakeConsulService } from "./consul/consul-model.js";
export type { FakeConsulAgent, FakeConsulAgentOptions } from "./consul/fake-consul-agent.js";
export { startFakeConsulAgent } from "./consul/fake-consul-agent.js";
export { formatGoDuration, parseGoDuration } from "./go-duration.js";
export type { FakeKubernetesApi, FakeKubernetesApiOptions } from "./kubernetes/fake-kubernetes-api.js";
export { startFakeKubernetesApi } from "./kubernetes/fake-kubernetes-api.js";
export type { FakePodInput, PodJson, PodPhase } from "./kubernetes/fake-pod.js";
export type { Requirement } from "./kubernetes/label-selector.js";
export { matchesSelector, parseLabelSelector, SelectorParseError } from "./kubernetes/label-selector.js";
