import { useTranslate } from "@refinedev/core";
import { App } from "antd";
import { useState } from "react";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { type Monitor, monitorApi, type ProbeResult } from "./monitorApi";
import { TestResultModal } from "./TestResultModal";

/**
 * The actions a monitor row and the monitor's page share: test now (result in a dialog), pause/resume
 * (If-Match with the version shown) and delete after confirmation. Refusals go to the page's ProblemAlert.
 */
export function useMonitorActions({
  setError,
  onChanged,
  onDeleted,
}: {
  setError: (error: unknown) => void;
  onChanged: () => unknown;
  onDeleted?: () => void;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.list.${key}`, values);
  const { message } = App.useApp();
  const confirm = useConfirmedAction(setError, onChanged);
  const [testing, setTesting] = useState<{ name: string; running: boolean; result?: ProbeResult; error?: unknown }>();

  const testNow = async (monitor: Monitor) => {
    setTesting({ name: monitor.name, running: true });
    try {
      const result = await monitorApi.testNow(monitor.id);
      setTesting((current) => current && { ...current, running: false, result });
    } catch (error) {
      setTesting((current) => current && { ...current, running: false, error });
    }
  };

  const setPaused = async (monitor: Monitor, paused: boolean) => {
    setError(undefined);
    try {
      await monitorApi.setPaused(monitor, paused);
      message.success(t(paused ? "pausedDone" : "resumedDone", { name: monitor.name }));
    } catch (error) {
      setError(error);
    }
    void onChanged();
  };

  const remove = (monitor: Monitor) =>
    confirm({
      title: t("deleteTitle", { name: monitor.name }),
      content: t("deleteContent"),
      danger: true,
      run: async () => {
        await monitorApi.remove(monitor);
        onDeleted?.();
      },
      success: translate("monitors.common.deleted"),
    });

  const modal = (
    <TestResultModal
      name={testing?.name}
      running={testing?.running ?? false}
      result={testing?.result}
      error={testing?.error}
      onClose={() => setTesting(undefined)}
    />
  );
  return { testNow, setPaused, remove, modal };
}
