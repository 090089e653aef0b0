import { DownloadOutlined, FileExcelOutlined, FileTextOutlined, SafetyOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, Button, Modal, Progress, Space, Typography } from "antd";
import { useRef, useState } from "react";
import { downloadBlob } from "../../components/download";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { type DownloadProgress, downloadExport, downloadSignature, auditApi } from "./auditApi";
import type { AuditExport, AuditFilter, ExportFormat } from "./auditEvent";

type Stage = "creating" | "downloading" | "done" | "failed";

interface ExportState {
  format: ExportFormat;
  stage: Stage;
  exp?: AuditExport;
  progress?: DownloadProgress;
  filename?: string;
  /** Data rows counted in the downloaded CSV. */
  rows?: number | null;
  bytes?: number;
  error?: unknown;
  signatureBusy?: boolean;
  signatureError?: unknown;
  signatureSaved?: boolean;
}

const formatBytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Signed exports of the current search: the server freezes the matching events (POST /audit/exports), the
 * file then streams down with its progress shown (rows for CSV, counted as they arrive against X-Total-Count;
 * bytes for XLSX) and, once the stream has completed, the server has signed its digest: the signature file is
 * offered for offline checking (npm run audit:verify-export).
 */
export function ExportButtons({ filter }: { filter: AuditFilter }) {
  const translate = useTranslate();
  const t = (key: string, options?: Record<string, unknown>) => translate(`audit.export.${key}`, options);
  const [state, setState] = useState<ExportState | null>(null);
  const abort = useRef<AbortController | null>(null);
  const busy = state?.stage === "creating" || state?.stage === "downloading";

  const start = async (format: ExportFormat) => {
    const controller = new AbortController();
    abort.current = controller;
    setState({ format, stage: "creating" });
    try {
      const exp = await auditApi.createExport(format, filter);
      setState({ format, stage: "downloading", exp });
      const file = await downloadExport(
        exp,
        (progress) => setState((s) => (s && s.exp?.id === exp.id ? { ...s, progress } : s)),
        controller.signal,
      );
      downloadBlob(file.filename, file.blob);
      setState((s) => s && { ...s, stage: "done", filename: file.filename, rows: file.rows, bytes: file.blob.size });
    } catch (error) {
      if (controller.signal.aborted) return;
      setState((s) => s && { ...s, stage: "failed", error });
    }
  };

  const saveSignature = async () => {
    const exp = state?.exp;
    if (!exp || !state.filename) return;
    setState((s) => s && { ...s, signatureBusy: true, signatureError: undefined });
    try {
      const file = await downloadSignature(exp.id, `${state.filename}.sig.json`);
      downloadBlob(file.filename, file.blob);
      setState((s) => s && { ...s, signatureBusy: false, signatureSaved: true });
    } catch (error) {
      setState((s) => s && { ...s, signatureBusy: false, signatureError: error });
    }
  };

  const close = () => {
    abort.current?.abort();
    abort.current = null;
    setState(null);
  };

  const progress = state?.progress;
  const percent =
    state?.stage === "done"
      ? 100
      : progress?.total
        ? Math.min(99, Math.floor((progress.done / progress.total) * 100))
        : state?.stage === "downloading"
          ? 0
          : undefined;
  const progressText = progress
    ? progress.unit === "rows"
      ? t("rowsProgress", { done: progress.done, total: progress.total ?? "?" })
      : progress.total
        ? t("bytesProgressOf", { done: formatBytes(progress.done), total: formatBytes(progress.total) })
        : t("bytesProgress", { done: formatBytes(progress.done) })
    : "";

  return (
    <>
      <Space>
        <Button
          icon={<FileTextOutlined />}
          onClick={() => void start("csv")}
          disabled={busy}
          data-testid="audit-export-csv"
        >
          {t("csv")}
        </Button>
        <Button
          icon={<FileExcelOutlined />}
          onClick={() => void start("xlsx")}
          disabled={busy}
          data-testid="audit-export-xlsx"
        >
          {t("xlsx")}
        </Button>
      </Space>
      <Modal
        open={state !== null}
        title={t(state?.format === "xlsx" ? "titleXlsx" : "titleCsv")}
        onCancel={close}
        maskClosable={false}
        destroyOnHidden
        footer={
          <Button onClick={close} data-testid="audit-export-close">
            {translate(busy ? "audit.export.cancel" : "audit.export.close")}
          </Button>
        }
        data-testid="audit-export"
      >
        {state && (
          <div data-testid="audit-export-state" data-stage={state.stage} data-rows={state.rows ?? ""}>
            <Typography.Paragraph>
              {state.stage === "creating" && t("creating")}
              {state.exp && state.stage !== "creating" && t("frozen", { total: state.exp.total })}
            </Typography.Paragraph>
            {percent !== undefined && state.stage !== "failed" && (
              <Progress percent={percent} status={state.stage === "done" ? "success" : "active"} />
            )}
            {progressText && state.stage === "downloading" && (
              <Typography.Text type="secondary" data-testid="audit-export-progress">
                {progressText}
              </Typography.Text>
            )}
            {state.stage === "failed" && <ProblemAlert error={state.error} testId="audit-export-problem" />}
            {state.stage === "done" && (
              <>
                <Alert
                  type="success"
                  showIcon
                  style={{ marginBlock: 12 }}
                  data-testid="audit-export-done"
                  message={
                    state.rows !== null && state.rows !== undefined
                      ? t("doneRows", { filename: state.filename, rows: state.rows })
                      : t("doneBytes", { filename: state.filename, size: formatBytes(state.bytes ?? 0) })
                  }
                  description={
                    state.rows !== null &&
                    state.rows !== undefined &&
                    state.exp &&
                    state.rows !== state.exp.total && (
                      <Typography.Text type="warning">
                        {t("rowMismatch", { rows: state.rows, total: state.exp.total })}
                      </Typography.Text>
                    )
                  }
                />
                <Space direction="vertical" style={{ width: "100%" }}>
                  <Button
                    type="primary"
                    icon={<SafetyOutlined />}
                    loading={state.signatureBusy}
                    onClick={() => void saveSignature()}
                    data-testid="audit-export-signature"
                  >
                    {t("signature")}
                  </Button>
                  {state.signatureSaved && (
                    <Typography.Text type="success" data-testid="audit-export-signature-saved">
                      <DownloadOutlined /> {t("signatureSaved")}
                    </Typography.Text>
                  )}
                  <ProblemAlert error={state.signatureError} testId="audit-export-signature-problem" />
                  <Typography.Text type="secondary">{t("verifyHint")}</Typography.Text>
                  <Typography.Paragraph
                    copyable
                    style={{
                      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
                      fontSize: 12,
                      background: "#fafafa",
                      border: "1px solid #f0f0f0",
                      borderRadius: 6,
                      padding: "6px 8px",
                      marginBottom: 0,
                      wordBreak: "break-all",
                    }}
                  >
                    {`npm run audit:verify-export -- ${state.filename ?? "<file>"} ${state.filename ?? "<file>"}.sig.json`}
                  </Typography.Paragraph>
                </Space>
              </>
            )}
          </div>
        )}
      </Modal>
    </>
  );
}
