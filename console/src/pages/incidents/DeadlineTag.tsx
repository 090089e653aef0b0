import { useTranslate } from "@refinedev/core";
import { Tag, Tooltip } from "antd";
import { useEffect, useState } from "react";
import { formatBeijingTime } from "../../time";
import type { Breach } from "./incidentApi";
import { deadlineView, formatDuration } from "./incidentModel";

/** The current time, refreshed every `ms` while mounted: what the countdowns tick on. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * One deadline of an incident: a live countdown while it runs, the overrun once past, "on time" or the delay
 * once the step came. The server's breach flag makes it red whatever the browser's clock says.
 */
export function DeadlineTag({
  deadline,
  doneAt,
  breach,
  now,
  testId,
}: {
  deadline: string;
  doneAt: string | null;
  breach: Breach;
  now: number;
  testId?: string;
}) {
  const translate = useTranslate();
  const view = deadlineView(Date.parse(deadline), doneAt ? Date.parse(doneAt) : null, now);
  // The server's verdict wins over the browser's clock (which may be off).
  const breached = breach.breached || breach.markedAt !== null;
  const late = view.kind === "overdue" || view.kind === "missed" || breached;
  let text: string;
  let color: string;
  switch (view.kind) {
    case "running":
      text = translate("incidents.deadline.left", { time: formatDuration(view.leftMs) });
      color = breached ? "red" : view.leftMs < 5 * 60_000 ? "orange" : "processing";
      break;
    case "overdue":
      text = translate("incidents.deadline.overdue", { time: formatDuration(view.lateMs) });
      color = "red";
      break;
    case "met":
      text = translate("incidents.deadline.met");
      color = breached ? "red" : "green";
      break;
    case "missed":
      text = translate("incidents.deadline.missed", { time: formatDuration(view.lateMs) });
      color = "red";
      break;
  }
  return (
    <Tooltip title={formatBeijingTime(deadline)}>
      <Tag color={color} data-testid={testId} data-kind={view.kind} data-late={late ? "true" : "false"}>
        {text}
      </Tag>
    </Tooltip>
  );
}
