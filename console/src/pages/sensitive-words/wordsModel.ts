import type { Hit, StatRow, WordAction } from "./wordsApi";

/** A piece of the checked text: plain, or covered by one or more hits (overlapping hits share a piece). */
export interface Segment {
  text: string;
  start: number;
  end: number;
  hits: Hit[];
}

/**
 * Cuts the text at every hit boundary, so overlapping hits (代开发票 and 发票) are both shown: each piece
 * lists the hits covering it. Offsets are UTF-16 (the server's), so `slice` gives exactly what matched.
 * Spans outside the text (a stale answer for an older text) are clipped.
 */
export function segmentsOf(text: string, hits: readonly Hit[]): Segment[] {
  const valid = hits
    .map((h) => ({ ...h, start: Math.max(0, h.start), end: Math.min(text.length, h.end) }))
    .filter((h) => h.end > h.start);
  const cuts = new Set<number>([0, text.length]);
  for (const h of valid) {
    cuts.add(h.start);
    cuts.add(h.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i < points.length - 1; i += 1) {
    const start = points[i] as number;
    const end = points[i + 1] as number;
    const covering = valid.filter((h) => h.start <= start && h.end >= end);
    const previous = segments.at(-1);
    // Neighbouring plain pieces are joined, so the text is not split needlessly.
    if (covering.length === 0 && previous && previous.hits.length === 0) {
      previous.text += text.slice(start, end);
      previous.end = end;
    } else {
      segments.push({ text: text.slice(start, end), start, end, hits: covering });
    }
  }
  return segments;
}

const STRENGTH: Record<WordAction, number> = { review: 1, replace: 2, block: 3 };

/** The strongest action among hits (its colour marks the piece). */
export function strongestAction(hits: readonly Hit[]): WordAction | undefined {
  let best: WordAction | undefined;
  for (const h of hits) if (!best || STRENGTH[h.action] > STRENGTH[best]) best = h.action;
  return best;
}

/** Bars of a statistics chart: each row's share of the largest count, in percent (0 when nothing hit). */
export function barPercents(rows: readonly StatRow[]): number[] {
  const max = Math.max(0, ...rows.map((r) => r.hits));
  return rows.map((r) => (max === 0 ? 0 : Math.round((r.hits / max) * 1000) / 10));
}

/** The upload's content type and format from the file name; null for a file the server does not read. */
export function listTypeOf(fileName: string): { type: string; format: "txt" | "csv" | "xlsx" } | null {
  const name = fileName.toLowerCase();
  if (name.endsWith(".txt")) return { type: "text/plain", format: "txt" };
  if (name.endsWith(".csv")) return { type: "text/csv", format: "csv" };
  if (name.endsWith(".xlsx"))
    return { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", format: "xlsx" };
  return null;
}

/** YYYY-MM-DD (UTC) of `days` days before `now`: the statistics are kept per UTC day. */
export function utcDay(now: Date, daysBefore = 0): string {
  return new Date(now.getTime() - daysBefore * 86_400_000).toISOString().slice(0, 10);
}
