import { DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, App, Button, Modal, Space, Table, Typography, Upload } from "antd";
import { useState } from "react";
import { localizedText } from "../../api/ApiError";
import { uploadFile } from "../../api/files";
import { downloadText } from "../../components/download";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";
import type { ImportError, ImportResult } from "./userApi";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_MB = 8;
/** The server's columns (api/src/users/import-file.ts); headers may be the Chinese names or the English keys. */
const COLUMNS = ["用户名", "姓名", "工号", "手机号", "邮箱", "部门", "岗位", "职务", "主部门"];
const TEMPLATE = `${COLUMNS.join(",")}\nzhangsan,张三,E0001,13800138000,zhangsan@example.cn,总部/办公室,,科员,是\n`;

function typeOf(file: File): string | null {
  const name = file.name.toLowerCase();
  if (name.endsWith(".csv")) return "text/csv";
  if (name.endsWith(".xlsx")) return XLSX_TYPE;
  return null;
}

/**
 * Import accounts from CSV or XLSX: a dry run first reports every row's problems (row, field, message);
 * the real import is offered only when the dry run is clean, and the server imports all rows or none.
 */
export function ImportModal({
  open,
  onClose,
  onImported,
}: {
  open: boolean;
  onClose: () => void;
  onImported: () => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  const { message } = App.useApp();
  const t = (key: string, values?: Record<string, unknown>) => translate(`people.import.${key}`, values);
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string>();

  const run = useMutation({
    mutationFn: async (dryRun: boolean) => {
      if (!file) throw new Error("no file");
      const type = typeOf(file) ?? "text/csv";
      return uploadFile<ImportResult>("/users/import", file, type, new URLSearchParams({ dryRun: String(dryRun) }));
    },
    onSuccess: (result, dryRun) => {
      if (!dryRun && result.errors.length === 0) {
        message.success(t("imported", { created: result.created }));
        onImported();
      }
    },
  });
  const result = run.data;
  const clean = result !== undefined && result.errors.length === 0 && run.variables === true;
  const done = result !== undefined && run.variables === false && result.errors.length === 0;

  const close = () => {
    setFile(null);
    setProblem(undefined);
    run.reset();
    onClose();
  };

  return (
    <Modal
      open={open}
      title={t("title")}
      width={760}
      destroyOnHidden
      onCancel={close}
      footer={
        done ? (
          <Button type="primary" onClick={close}>
            {translate("people.oneTimePassword.done")}
          </Button>
        ) : (
          <Space>
            <Button onClick={close}>{translate("people.form.cancel")}</Button>
            <Button
              disabled={!file}
              loading={run.isPending && run.variables === true}
              onClick={() => run.mutate(true)}
              data-testid="import-dry-run"
            >
              {t("dryRun")}
            </Button>
            <Button
              type="primary"
              disabled={!clean}
              loading={run.isPending && run.variables === false}
              onClick={() => run.mutate(false)}
              data-testid="import-run"
            >
              {t("run")}
            </Button>
          </Space>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">
        {t("columns")} {COLUMNS.join("、")}{" "}
        <Button
          type="link"
          size="small"
          icon={<DownloadOutlined />}
          onClick={() => downloadText("tianshu-users-template.csv", `\uFEFF${TEMPLATE}`, "text/csv;charset=utf-8")}
        >
          {t("template")}
        </Button>
      </Typography.Paragraph>
      <Upload.Dragger
        accept=".csv,.xlsx"
        maxCount={1}
        showUploadList={false}
        beforeUpload={(next) => {
          run.reset();
          if (!typeOf(next)) setProblem(t("wrongType"));
          else if (next.size > MAX_MB * 1024 * 1024) setProblem(t("fileTooLarge", { size: MAX_MB }));
          else {
            setProblem(undefined);
            setFile(next);
          }
          // Sent by the buttons below as the raw body, not by the Upload component.
          return Upload.LIST_IGNORE;
        }}
        data-testid="import-file"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{file ? file.name : t("choose")}</p>
      </Upload.Dragger>
      {problem && <Alert type="error" showIcon style={{ marginTop: 16 }} message={problem} />}
      {run.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 16 }}
          message={t("failed")}
          description={errorText(run.error)}
        />
      )}
      {result && (
        <div style={{ marginTop: 16 }} data-testid="import-result">
          <Alert
            type={result.errors.length > 0 ? "warning" : "success"}
            showIcon
            message={
              done
                ? t("imported", { created: result.created })
                : result.errors.length > 0
                  ? t("checked", { total: result.total, errors: result.errors.length })
                  : t("noErrors", { total: result.total })
            }
            description={result.encoding ? t("encoding", { encoding: result.encoding }) : undefined}
          />
          {result.errors.length > 0 && (
            <Table<ImportError>
              style={{ marginTop: 12 }}
              size="small"
              rowKey={(e) => `${e.row}:${e.field}:${e.message}`}
              dataSource={result.errors}
              pagination={result.errors.length > 10 ? { pageSize: 10, size: "small" } : false}
              data-testid="import-errors"
              columns={[
                { dataIndex: "row", title: t("row"), width: 70 },
                { dataIndex: "field", title: t("field"), width: 120 },
                { key: "message", title: t("message"), render: (_: unknown, e) => localizedText(e, locale) },
              ]}
            />
          )}
        </div>
      )}
    </Modal>
  );
}
