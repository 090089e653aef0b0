/** Test helper (not a test file): a tiny DNS responder over UDP for the dns and lookup tests. */
import dgram from "node:dgram";

/**
 * A tiny authoritative DNS responder over UDP, written for the test: enough of RFC 1035 to answer
 * one question with A, TXT, MX or CNAME records, NXDOMAIN for unknown names, an empty NOERROR for
 * a known name without that type, and silence for "silent.test".
 */
const TYPES: Record<number, string> = { 1: "A", 5: "CNAME", 15: "MX", 16: "TXT", 28: "AAAA" };
export const ZONE: Record<string, Record<string, Buffer[]>> = {
  "up.test": {
    A: [Buffer.from([10, 1, 2, 3]), Buffer.from([10, 1, 2, 4])],
    TXT: [txt("v=spf1 -all")],
  },
  "mail.test": { MX: [Buffer.concat([Buffer.from([0, 10]), name("mx1.mail.test")])] },
  "alias.test": { CNAME: [name("target.test")] },
  "empty.test": {},
  "both.test": { A: [Buffer.from([127, 0, 0, 1])], AAAA: [Buffer.from([...Array(15).fill(0), 1])] },
};

function name(domain: string): Buffer {
  const labels = domain.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...labels, Buffer.from([0])]);
}
function txt(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), Buffer.from(text)]);
}

function answer(query: Buffer): Buffer | null {
  let offset = 12;
  const labels: string[] = [];
  while ((query[offset] as number) > 0) {
    const length = query[offset] as number;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
    offset += length + 1;
  }
  const questionEnd = offset + 5; // zero byte, QTYPE, QCLASS
  const qname = labels.join(".").toLowerCase();
  const qtype = TYPES[query.readUInt16BE(offset + 1)] ?? "?";
  if (qname === "silent.test") return null;
  const zone = ZONE[qname];
  const records = zone?.[qtype] ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // same id
  header.writeUInt16BE(0x8400 | (zone ? 0 : 3), 2); // response, authoritative; rcode 3 = NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const rrs = records.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(query.readUInt16BE(offset + 1), 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...rrs]);
}

/** Starts the responder on a free loopback port; `server` is "127.0.0.1:port" for a Resolver. */
export async function startDnsResponder(): Promise<{ server: string; queries: () => number; close(): void }> {
  const socket = dgram.createSocket("udp4");
  let count = 0;
  socket.on("message", (msg, peer) => {
    count += 1;
    const reply = answer(msg);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { server: `127.0.0.1:${socket.address().port}`, queries: () => count, close: () => socket.close() };
}
