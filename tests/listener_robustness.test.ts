// Untrusted bytes never throw out of either listener (a short run; `npm run fuzz` runs 100k).
import { test } from "node:test";
import { datagramListenerNeverThrows, streamListenerNeverThrows } from "./helpers/listener_properties.ts";

test("DatagramListener: random and mutated datagrams give typed outcomes, never exceptions", () => {
  datagramListenerNeverThrows(2000);
});

test("StreamListener: random and mutated streams in random chunks give typed outcomes, never exceptions", () => {
  streamListenerNeverThrows(2000);
});
