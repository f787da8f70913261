// cli/event_writer.ts in memory: a slow sink never blocks `line()`, the queue is bounded, drops
// are counted and announced once the queue drains, a failing sink closes the output once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventWriter, type LineSink } from "../cli/event_writer.ts";

/** A sink whose writes complete only when the test says so. */
function gatedSink() {
  const written: string[] = [];
  const pending: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const sink: LineSink = {
    write(bytes) {
      return new Promise<void>((resolve, reject) => pending.push({ text: new TextDecoder().decode(bytes), resolve, reject }));
    },
  };
  const release = async () => {
    while (pending.length) {
      const p = pending.shift()!;
      written.push(p.text);
      p.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { sink, written, pending, release };
}

test("event writer: bounded queue, drops counted, events-dropped line once the reader catches up", async () => {
  const g = gatedSink();
  const w = new EventWriter({ sink: g.sink, maxQueuedBytes: 100, droppedLine: (n) => JSON.stringify({ event: "events-dropped", count: n }) });
  assert.equal(w.line("first"), true); // goes straight to the sink (in flight)
  await new Promise((r) => setTimeout(r, 0));
  let accepted = 0;
  for (let i = 0; i < 50; i++) if (w.line(`event-${String(i).padStart(3, "0")}`)) accepted++; // 10 bytes each
  // The cap counts the batch in flight too: 6 bytes ("first\n") + 9 lines of 10 bytes fit in 100.
  assert.equal(accepted, 9);
  assert.equal(w.dropped, 41);
  await g.release();
  const out = g.written.join("");
  assert.equal(out.split("\n").filter(Boolean).length, 11, out);
  assert.match(out, /^first\nevent-000\n(event-\d{3}\n){8}\{"event":"events-dropped","count":41\}\n$/);
  // Caught up: nothing more is dropped and the count starts again from zero.
  assert.equal(w.line("later"), true);
  await g.release();
  assert.equal(g.written.at(-1), "later\n");
  assert.equal(await w.flush(1000), true);
});

test("event writer: a failing sink (EPIPE) closes the output once and drops the rest quietly", async () => {
  let closedWith: unknown;
  let calls = 0;
  const w = new EventWriter({
    sink: { write: () => Promise.reject(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })) },
    droppedLine: () => "dropped",
    onClosed: (e) => {
      calls++;
      closedWith = e;
    },
  });
  w.line("a");
  w.line("b");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(w.closed, true);
  assert.equal(calls, 1);
  assert.equal((closedWith as { code: string }).code, "EPIPE");
  assert.equal(w.line("c"), false, "nothing is queued after the close");
  assert.equal(await w.flush(1000), false);
});

test("event writer: flush gives up after its timeout on a sink that never drains", async () => {
  const g = gatedSink();
  const w = new EventWriter({ sink: g.sink, droppedLine: () => "" });
  w.line("stuck");
  const t0 = Date.now();
  assert.equal(await w.flush(200), false);
  assert.ok(Date.now() - t0 < 2000);
  await g.release();
  assert.equal(await w.flush(1000), true);
});
