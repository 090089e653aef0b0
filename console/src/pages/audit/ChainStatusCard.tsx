import { CheckCircleFilled, CloseCircleFilled, SafetyCertificateOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Typography } from "antd";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { formatBeijingTime } from "../../time";
import { auditApi } from "./auditApi";

/**
 * The chain at a glance (GET /audit/chain-status, cheap, refreshed every 10 s): the head, how many events wait
 * for the sealer, the last signed checkpoint. "Verify now" (auditadmin only: GET /audit/verify) recomputes the
 * whole chain and shows either "intact" or the first break the server found.
 */
export function ChainStatusCard({ canVerify }: { canVerify: boolean }) {
  const translate = useTranslate();
  const t = (key: string, options?: Record<string, unknown>) => translate(`audit.chain.${key}`, options);
  const status = useQuery({
    queryKey: ["audit-chain-status"],
    queryFn: auditApi.chainStatus,
    refetchInterval: 10_000,
    retry: false,
  });
  const verify = useMutation({ mutationFn: auditApi.verify, onSettled: () => void status.refetch() });
  const report = verify.data;

  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      data-testid="audit-chain"
      title={
        <span>
          <SafetyCertificateOutlined style={{ marginInlineEnd: 8 }} />
          {t("title")}
        </span>
      }
      extra={
        canVerify && (
          <Button size="small" loading={verify.isPending} onClick={() => verify.mutate()} data-testid="audit-verify">
            {t("verify")}
          </Button>
        )
      }
    >
      <ProblemAlert error={status.error} testId="audit-chain-problem" />
      {status.data && (
        <Descriptions
          size="small"
          column={{ xs: 1, md: 3 }}
          items={[
            {
              key: "head",
              label: t("headSeq"),
              children: <span data-testid="audit-chain-head">{status.data.headSeq ?? "—"}</span>,
            },
            {
              key: "pending",
              label: t("pending"),
              children: <span data-testid="audit-chain-pending">{status.data.pendingEvents}</span>,
            },
            {
              key: "checkpoint",
              label: t("lastCheckpoint"),
              children: status.data.lastCheckpoint
                ? t("checkpointAt", {
                    seq: status.data.lastCheckpoint.seq,
                    time: formatBeijingTime(status.data.lastCheckpoint.signedAt),
                  })
                : t("noCheckpoint"),
            },
          ]}
        />
      )}
      <ProblemAlert error={verify.error} testId="audit-verify-problem" />
      {report && (
        <Alert
          showIcon
          style={{ marginTop: 8 }}
          type={report.ok ? "success" : "error"}
          icon={report.ok ? <CheckCircleFilled /> : <CloseCircleFilled />}
          data-testid="audit-verify-result"
          data-ok={String(report.ok)}
          message={
            report.ok
              ? t("ok")
              : t("broken", {
                  seq: report.finding?.seq ?? "?",
                  kind: translate(`audit.chain.kinds.${report.finding?.kind ?? ""}`, report.finding?.kind ?? ""),
                })
          }
          description={
            <>
              <div>
                {t("checked", {
                  events: report.eventsChecked,
                  checkpoints: report.checkpointsChecked,
                  ms: report.durationMs,
                  algorithm: report.algorithm ?? "—",
                })}
              </div>
              {report.finding && (
                <Typography.Text type="secondary" style={{ wordBreak: "break-all" }}>
                  {report.finding.message}
                </Typography.Text>
              )}
              {!report.ok && <div>{t("brokenHint")}</div>}
            </>
          }
        />
      )}
    </Card>
  );
}
