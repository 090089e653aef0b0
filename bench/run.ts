import { benchAudit } from "./audit";
import { benchAuditExport } from "./audit-export";
import { benchAuthMe } from "./auth-me";
import { benchAuthzCheck, benchInProcess } from "./authz";
import { benchCrypto } from "./crypto";
import { benchOrgSearch } from "./org-search";
import { benchWords } from "./words";
import { benchWordsHttp } from "./words-http";
import { benchMonitors } from "./monitors";
import { benchSignals } from "./signals";
import { benchSignalsHttp } from "./signals-http";
import { benchSla } from "./sla";

/** `npm run bench`: every figure is printed beside a baseline measured in the same run. */
console.log(`# Tianshu benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await benchAuthMe();
await benchOrgSearch();
benchInProcess();
await benchAuthzCheck();
benchCrypto();
await benchAudit();
await benchAuditExport();
benchWords();
await benchWordsHttp();
benchSignals();
await benchSignalsHttp();
await benchMonitors();
await benchSla();
