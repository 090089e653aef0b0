import { useTranslate } from "@refinedev/core";
import { Descriptions, Modal, Spin, Typography } from "antd";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { buttonTestId } from "../../components/org/testIds";
import { useLocale } from "../../i18n/localeStore";
import type { ProbeResult } from "./monitorApi";
import { StateTag, useReasonText } from "./StateTag";

/** "立即测试": the probe's answer, run once by the server with the monitor's retries and not stored. */
export function TestResultModal({
  name,
  running,
  result,
  error,
  onClose,
}: {
  /** The monitor under test; undefined: closed. */
  name: string | undefined;
  running: boolean;
  result: ProbeResult | undefined;
  error: unknown;
  onClose: () => void;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.test.${key}`, values);
  const locale = useLocale();
  const reasonText = useReasonText();
  return (
    <Modal
      open={name !== undefined}
      title={t("title", { name })}
      onCancel={onClose}
      onOk={onClose}
      okText={t("close")}
      cancelButtonProps={{ style: { display: "none" } }}
      okButtonProps={buttonTestId("monitor-test-close")}
      width={640}
    >
      <div data-testid="monitor-test-result" data-state={running ? "running" : (result?.state ?? "error")}>
        {running && (
          <div style={{ textAlign: "center", padding: 24 }}>
            <Spin /> <Typography.Text type="secondary">{t("running")}</Typography.Text>
          </div>
        )}
        {!running && <ProblemAlert error={error} testId="monitor-test-problem" />}
        {!running && result && (
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={translate("monitors.list.state")}>
              <StateTag state={result.state} />{" "}
              <span style={{ marginInlineStart: 8 }}>{t("latency", { ms: result.latencyMs })}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("reason")}>
              {reasonText(result.reason)} <Typography.Text type="secondary">({result.reason})</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t("message")}>
              {locale === "zh-CN" ? result.messageZh || result.message : result.message}
            </Descriptions.Item>
            {result.detail && Object.keys(result.detail).length > 0 && (
              <Descriptions.Item label={t("detail")}>
                <pre style={{ margin: 0, maxHeight: 240, overflow: "auto", fontSize: 12 }}>
                  {JSON.stringify(result.detail, null, 2)}
                </pre>
              </Descriptions.Item>
            )}
          </Descriptions>
        )}
      </div>
    </Modal>
  );
}
