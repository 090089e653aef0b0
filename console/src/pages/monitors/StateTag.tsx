import { useTranslate } from "@refinedev/core";
import { Tag } from "antd";
import type { DisplayState } from "./monitorApi";
import { STATE_COLOR } from "./monitorModel";

/** A monitor's state as a coloured badge (up / degraded / down / unknown / paused). */
export function StateTag({ state, testId }: { state: DisplayState; testId?: string }) {
  const translate = useTranslate();
  return (
    <Tag color={STATE_COLOR[state]} data-testid={testId} data-state={state} style={{ marginInlineEnd: 0 }}>
      {translate(`monitors.states.${state}`)}
    </Tag>
  );
}

/** A probe's machine reason in the UI language (the code itself when the dictionary lacks it). */
export function useReasonText(): (reason: string | null | undefined) => string {
  const translate = useTranslate();
  return (reason) => {
    if (!reason) return "";
    const key = `monitors.reasons.${reason}`;
    const text = translate(key);
    return text === key ? reason : text;
  };
}
