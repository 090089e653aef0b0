import { EditOutlined, ReloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  InputNumber,
  Progress,
  Row,
  Skeleton,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import type { ColumnsType } from "antd/es/table";
import { type HTMLAttributes, useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { PageContainer } from "../../components/PageContainer";
import { withTotal } from "../../components/tablePagination";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import {
  type AuditArchive,
  type AuditStorage,
  auditSettingsApi,
  formatBytes,
  fromFormValues,
  MAX_RETENTION_DAYS,
  type SettingsFormValues,
  toFormValues,
} from "./auditSettingsModel";

const SETTINGS_KEY = ["data", "audit-settings", "settings"];
const STORAGE_KEY = ["data", "audit-settings", "storage"];
const ARCHIVES_KEY = ["data", "audit-settings", "archives"];
const PAGE_SIZE = 10;
const MAX_LIMIT_MIB = 1024 * 1024 * 1024; // 1 PiB: far above any real limit, within the server's safe integers
const t = (key: string) => `audit.retention.${key}`;

/**
 * The audit log's retention, storage limit and alert threshold (auditadmin edits them with If-Match on the
 * version; secadmin reads them), its storage use against the limit, and the archives the archiver wrote.
 * The 180-day retention floor is the server's: its refusal (RETENTION_TOO_SHORT) names the law in both
 * languages and is shown in the dialog as sent.
 */
export function AuditSettingsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const session = useSession();
  const canEdit = session?.ability.can("update", "AuditSetting") ?? false;
  // secadmin reads this page too: the breadcrumb names the reader's own workspace.
  const framed = session?.role ? { ...resource, workspace: session.role } : resource;
  const [form] = Form.useForm<SettingsFormValues>();
  const [editing, setEditing] = useState(false);
  const [page, setPage] = useState(1);

  const settings = useQuery({ queryKey: SETTINGS_KEY, queryFn: auditSettingsApi.settings });
  const storage = useQuery({ queryKey: STORAGE_KEY, queryFn: auditSettingsApi.storage });
  const archives = useQuery({
    queryKey: [...ARCHIVES_KEY, page],
    queryFn: () => auditSettingsApi.archives(page, PAGE_SIZE),
    placeholderData: (previous) => previous,
  });
  const view = settings.data;

  const refresh = () => Promise.all([settings.refetch(), storage.refetch(), archives.refetch()]).then(() => undefined);

  const save = async (values: SettingsFormValues) => {
    if (!view) return;
    const saved = await auditSettingsApi.save(fromFormValues(values, view.settings), view.version);
    queryClient.setQueryData(SETTINGS_KEY, saved);
    // The threshold and limit decide the storage status.
    await queryClient.invalidateQueries({ queryKey: STORAGE_KEY });
    message.success(translate(t("saved")));
  };

  const range = (min: number, max: number) => ({
    required: true,
    type: "integer" as const,
    min,
    max,
    message: translate(t("range"), { min, max }),
  });

  return (
    <PageContainer
      resource={framed}
      extra={
        <Button
          icon={<ReloadOutlined />}
          onClick={() => void refresh()}
          loading={settings.isFetching || storage.isFetching || archives.isFetching}
          data-testid="audit-settings-refresh"
        >
          {translate(t("refresh"))}
        </Button>
      }
    >
      <ProblemAlert error={settings.error ?? storage.error ?? archives.error} testId="audit-settings-problem" />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card
            title={translate(t("settingsTitle"))}
            style={{ height: "100%" }}
            data-testid="audit-settings-card"
            extra={
              canEdit && (
                <Button
                  type="primary"
                  icon={<EditOutlined />}
                  disabled={!view}
                  onClick={() => setEditing(true)}
                  data-testid="audit-settings-edit"
                >
                  {translate(t("edit"))}
                </Button>
              )
            }
          >
            {!view ? (
              <Skeleton active paragraph={{ rows: 4 }} />
            ) : (
              <Space direction="vertical" size={12} style={{ width: "100%" }}>
                {!canEdit && (
                  <Alert
                    type="info"
                    showIcon
                    message={translate(t("readOnly"))}
                    data-testid="audit-settings-readonly"
                  />
                )}
                <Descriptions column={1} bordered size="small">
                  <Descriptions.Item label={translate(t("retentionDays"))}>
                    <span data-testid="audit-settings-retention" data-value={view.settings.retentionDays}>
                      {translate(t("days"), { days: view.settings.retentionDays })}
                    </span>
                  </Descriptions.Item>
                  <Descriptions.Item label={translate(t("storageLimit"))}>
                    <span data-testid="audit-settings-limit" data-value={view.settings.storageLimitBytes}>
                      {formatBytes(view.settings.storageLimitBytes)}
                    </span>
                  </Descriptions.Item>
                  <Descriptions.Item label={translate(t("alertThreshold"))}>
                    <span data-testid="audit-settings-threshold" data-value={view.settings.alertThresholdPercent}>
                      {view.settings.alertThresholdPercent}%
                    </span>
                  </Descriptions.Item>
                </Descriptions>
                <Typography.Text type="secondary" data-testid="audit-settings-version">
                  {view.updatedAt
                    ? translate(t("version"), {
                        version: view.version,
                        time: formatBeijingTime(view.updatedAt),
                      })
                    : translate(t("neverSaved"))}
                </Typography.Text>
                <Typography.Text type="secondary">{translate(t("retentionHelp"))}</Typography.Text>
              </Space>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <StorageCard storage={storage.data} />
        </Col>
        <Col span={24}>
          <Card
            title={translate(t("archivesTitle"))}
            styles={{ body: { padding: 0 } }}
            data-testid="audit-archives"
            extra={<Typography.Text type="secondary">{translate(t("archivesHint"))}</Typography.Text>}
          >
            <Table<AuditArchive>
              rowKey="id"
              size="middle"
              columns={archiveColumns(translate)}
              dataSource={archives.data?.rows ?? []}
              loading={archives.isFetching}
              locale={{ emptyText: translate(t("archivesEmpty")) }}
              scroll={{ x: "max-content" }}
              onRow={archiveRowHooks}
              pagination={withTotal(
                {
                  current: page,
                  pageSize: PAGE_SIZE,
                  total: archives.data?.total ?? 0,
                  showSizeChanger: false,
                  onChange: setPage,
                },
                (total) => translate("audit.total", { total }),
              )}
            />
          </Card>
        </Col>
      </Row>

      {canEdit && view && (
        <FormDialog<SettingsFormValues>
          open={editing}
          onClose={() => setEditing(false)}
          onSubmit={save}
          form={form}
          title={translate(t("editTitle"))}
          okText={translate(t("save"))}
          cancelText={translate(t("cancel"))}
          initialValues={toFormValues(view.settings)}
          autoFocusField="retentionDays"
          okTestId="audit-settings-save"
        >
          {/* No `min` on the input: it would clamp 179 to 180 silently; the server refuses with the reason. */}
          <Form.Item
            name="retentionDays"
            label={translate(t("retentionDays"))}
            extra={translate(t("retentionHelp"))}
            rules={[range(1, MAX_RETENTION_DAYS)]}
          >
            <InputNumber precision={0} style={{ width: "100%" }} data-testid="audit-settings-retention-input" />
          </Form.Item>
          <Form.Item
            name="storageLimitMiB"
            label={translate(t("storageLimitMiB"))}
            extra={translate(t("storageLimitHelp"))}
            rules={[range(1, MAX_LIMIT_MIB)]}
          >
            <InputNumber precision={0} style={{ width: "100%" }} data-testid="audit-settings-limit-input" />
          </Form.Item>
          <Form.Item
            name="alertThresholdPercent"
            label={translate(t("alertThresholdPercent"))}
            extra={translate(t("alertThresholdHelp"))}
            rules={[range(1, 100)]}
          >
            <InputNumber precision={0} style={{ width: "100%" }} data-testid="audit-settings-threshold-input" />
          </Form.Item>
        </FormDialog>
      )}
    </PageContainer>
  );
}

/** The row's id for the browser tests (antd passes data-* attributes through; its types do not list them). */
function archiveRowHooks(row: AuditArchive): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "audit-archive-row", "data-id": row.id };
  return hooks as HTMLAttributes<HTMLElement>;
}

const STATUS_COLOR = { ok: "green", near_limit: "orange", over_limit: "red" } as const;
const STROKE_COLOR = { ok: undefined, near_limit: "#faad14", over_limit: "#ff4d4f" } as const;

/** Size against the limit: a progress bar, the status, and a warning while near or over the limit. */
function StorageCard({ storage }: { storage: AuditStorage | undefined }) {
  const translate = useTranslate();
  return (
    <Card
      title={translate(t("storageTitle"))}
      style={{ height: "100%" }}
      data-testid="audit-storage"
      data-status={storage?.status}
      extra={storage && <Tag color={STATUS_COLOR[storage.status]}>{translate(t(`status.${storage.status}`))}</Tag>}
    >
      {!storage ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        <Space direction="vertical" size={12} style={{ width: "100%" }}>
          <Progress
            percent={Math.min(100, storage.percent)}
            format={() => `${storage.percent}%`}
            status="normal"
            strokeColor={STROKE_COLOR[storage.status]}
            data-testid="audit-storage-progress"
          />
          <Typography.Text data-testid="audit-storage-used">
            {translate(t("used"), {
              size: formatBytes(storage.sizeBytes),
              limit: formatBytes(storage.limitBytes),
              percent: storage.percent,
            })}
          </Typography.Text>
          <Typography.Text type="secondary">
            {translate(t("threshold"), { percent: storage.thresholdPercent })}
            {" · "}
            {translate(t("days"), { days: storage.retentionDays })}
          </Typography.Text>
          {storage.status !== "ok" && (
            <Alert
              type={storage.status === "over_limit" ? "error" : "warning"}
              showIcon
              data-testid="audit-storage-alert"
              message={
                storage.status === "over_limit"
                  ? translate(t("overLimit"), { percent: storage.percent })
                  : translate(t("nearLimit"), { percent: storage.percent, threshold: storage.thresholdPercent })
              }
              description={
                <>
                  {translate(t("limitHint"))}
                  {storage.alertActive && storage.alertChangedAt && (
                    <div>{translate(t("alertSince"), { time: formatBeijingTime(storage.alertChangedAt) })}</div>
                  )}
                </>
              }
            />
          )}
        </Space>
      )}
    </Card>
  );
}

function archiveColumns(translate: ReturnType<typeof useTranslate>): ColumnsType<AuditArchive> {
  return [
    {
      title: translate(t("archiveRange")),
      key: "range",
      render: (_, row) => `${row.fromChainSeq} – ${row.toChainSeq}`,
    },
    { title: translate(t("archiveEvents")), dataIndex: "events", align: "right" },
    {
      title: translate(t("archiveTime")),
      key: "time",
      render: (_, row) => `${formatBeijingTime(row.fromOccurredAt)} – ${formatBeijingTime(row.toOccurredAt)}`,
    },
    {
      title: translate(t("archiveFile")),
      dataIndex: "fileName",
      render: (name: string) => <Typography.Text code>{name}</Typography.Text>,
    },
    {
      title: translate(t("archiveDigest")),
      key: "digest",
      render: (_, row) => (
        <Typography.Text copyable={{ text: row.fileDigest }} title={`${row.hashAlg} ${row.fileDigest}`}>
          {`${row.hashAlg} ${row.fileDigest.slice(0, 16)}…`}
        </Typography.Text>
      ),
    },
    {
      title: translate(t("archiveCreated")),
      dataIndex: "createdAt",
      render: (iso: string) => formatBeijingTime(iso),
    },
  ];
}
