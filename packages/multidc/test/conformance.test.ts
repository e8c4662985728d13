import { InMemoryControlPlane } from "@tsakt/multidc";
import { runControlPlaneConformance } from "@tsakt/multidc/testing";

let store = new InMemoryControlPlane();
runControlPlaneConformance("in-memory", {
  create: () => store.client(),
  reset: async () => {
    store = new InMemoryControlPlane();
  },
});
