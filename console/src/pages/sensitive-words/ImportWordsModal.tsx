import { InboxOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Descriptions, InputNumber, Modal, Select, Space, Table, Typography, Upload } from "antd";
import { useState } from "react";
import { localizedText } from "../../api/ApiError";
import { uploadFile } from "../../api/files";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useLocale } from "../../i18n/localeStore";
import { ACTIONS, type Dictionary, type ImportReport, type WordAction } from "./wordsApi";
import { listTypeOf } from "./wordsModel";

const MAX_MB = 16; // the server's limit (api/src/words/transfer.ts)

/**
 * 导入 into one dictionary: a txt (one word a line, with the level and action chosen here), CSV or XLSX
 * (词语, 级别, 处理方式, 拼音匹配). The server judges every line: bad lines are refused and listed with their
 * line number and reason, the others are added. 试运行 judges without writing anything.
 */
export function ImportWordsModal({
  open,
  dictionary,
  onClose,
  onImported,
}: {
  open: boolean;
  dictionary: Dictionary;
  onClose: () => void;
  onImported: () => void;
}) {
  const translate = useTranslate();
  const locale = useLocale();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.import.${key}`, values);
  const [file, setFile] = useState<File | null>(null);
  const [wrongFile, setWrongFile] = useState<string>();
  const [level, setLevel] = useState(3);
  const [action, setAction] = useState<WordAction>("block");

  const run = useMutation({
    mutationFn: async (dryRun: boolean) => {
      const kind = file && listTypeOf(file.name);
      if (!file || !kind) throw new Error("no file");
      const query = new URLSearchParams({
        format: kind.format,
        level: String(level),
        action,
        dryRun: String(dryRun),
      });
      return uploadFile<ImportReport>(`/words/dictionaries/${dictionary.id}/import`, file, kind.type, query);
    },
    onSuccess: (report) => {
      if (!report.dryRun) onImported();
    },
  });
  const report = run.data;

  const close = () => {
    setFile(null);
    setWrongFile(undefined);
    run.reset();
    onClose();
  };

  return (
    <Modal
      open={open}
      title={t("title", { name: dictionary.name })}
      width={760}
      destroyOnHidden
      onCancel={close}
      footer={
        <Space>
          <Button onClick={close}>{translate("words.common.close")}</Button>
          <Button
            disabled={!file}
            loading={run.isPending && run.variables === true}
            onClick={() => run.mutate(true)}
            data-testid="words-import-dry-run"
          >
            {t("dryRun")}
          </Button>
          <Button
            type="primary"
            disabled={!file}
            loading={run.isPending && run.variables === false}
            onClick={() => run.mutate(false)}
            data-testid="words-import-run"
          >
            {t("run")}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <Upload.Dragger
        accept=".txt,.csv,.xlsx"
        maxCount={1}
        showUploadList={false}
        beforeUpload={(next) => {
          run.reset();
          if (!listTypeOf(next.name)) setWrongFile(t("wrongType"));
          else if (next.size > MAX_MB * 1024 * 1024) setWrongFile(t("tooLarge", { size: MAX_MB }));
          else {
            setWrongFile(undefined);
            setFile(next);
          }
          // Sent by the buttons as the raw body, not by the Upload component.
          return Upload.LIST_IGNORE;
        }}
        data-testid="words-import-file"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{file ? file.name : t("choose")}</p>
      </Upload.Dragger>
      <Space wrap style={{ marginTop: 12 }}>
        <span>{t("defaults")}</span>
        <InputNumber
          min={1}
          max={5}
          precision={0}
          value={level}
          onChange={(v) => setLevel(v ?? 3)}
          addonBefore={t("level")}
        />
        <Select<WordAction>
          value={action}
          onChange={setAction}
          style={{ width: 120 }}
          options={ACTIONS.map((a) => ({ value: a, label: translate(`words.actions.${a}`) }))}
        />
      </Space>
      {wrongFile && <Alert type="error" showIcon style={{ marginTop: 16 }} message={wrongFile} />}
      <div style={{ marginTop: 16 }}>
        <ProblemAlert error={run.error} testId="words-import-problem" />
      </div>
      {report && (
        <div data-testid="words-import-report" data-errors={report.errors.length} data-imported={report.imported}>
          <Alert
            type={report.errors.length > 0 ? "warning" : "success"}
            showIcon
            message={t(report.dryRun ? "dryRunDone" : "done", {
              imported: report.imported,
              errors: report.errors.length,
            })}
            style={{ marginBottom: 12 }}
          />
          <Descriptions size="small" column={4} bordered>
            <Descriptions.Item label={t("encoding")}>{report.encoding}</Descriptions.Item>
            <Descriptions.Item label={t(report.dryRun ? "wouldImport" : "imported")}>
              {report.imported}
            </Descriptions.Item>
            <Descriptions.Item label={t("existing")}>{report.existing}</Descriptions.Item>
            <Descriptions.Item label={t("duplicates")}>{report.duplicates}</Descriptions.Item>
          </Descriptions>
          {report.errors.length > 0 && (
            <Table
              style={{ marginTop: 12 }}
              size="small"
              rowKey={(row) => `${row.line}:${row.message}`}
              dataSource={report.errors}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              data-testid="words-import-errors"
              columns={[
                { title: t("line"), dataIndex: "line", width: 80 },
                { title: t("reason"), key: "reason", render: (_, row) => localizedText(row, locale) },
              ]}
            />
          )}
        </div>
      )}
    </Modal>
  );
}
