// A node:test reporter that writes {"passed":N,"failed":N} for the leaf tests of a run.
// Suites (describe blocks) are not counted; a file that fails to load counts as one failure.
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (event.data.details?.type === "suite") {
      // A suite that failed with no failed children (e.g. a hook threw) still counts once.
      if (event.type === "test:fail" && event.data.details?.error?.failureType !== "subtestsFailed") failed++;
      continue;
    }
    if (event.data.skip || event.data.todo) continue;
    if (event.type === "test:pass") passed++;
    else failed++;
  }
  yield JSON.stringify({ passed, failed });
}
