// Trains the run config in the file given as argument with grokedge/node, on a pool of 2 worker
// threads (the same bits as one thread), printing each evaluation and then the result's summary.
//
//   npm start            # node train.js config.json
import { readFile } from "node:fs/promises";
import { train } from "grokedge/node";

const file = process.argv[2];
if (!file) {
  console.error("usage: node train.js <run-config.json>");
  process.exit(2);
}
const config = JSON.parse(await readFile(file, "utf8"));
const { summary, meta } = await train(config, {
  threads: 2,
  onProgress: ({ step, steps, point }) => point && console.log(`step ${step}/${steps}  train accuracy ${point.trainAccuracy.toFixed(3)}  test accuracy ${point.testAccuracy.toFixed(3)}`),
});
console.log(`engine ${meta.engineVersion}, ${meta.threads} threads, ${meta.build} build`);
console.log(`paramsHash ${summary.paramsHash}`);
