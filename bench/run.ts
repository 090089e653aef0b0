import { benchAuthMe } from "./auth-me";

/** `npm run bench`: every figure is printed beside a baseline measured in the same run. */
console.log(`# Tianshu benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await benchAuthMe();
