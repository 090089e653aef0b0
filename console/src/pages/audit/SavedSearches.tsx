import { SaveOutlined, StarOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Form, Input, Space, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { auditApi } from "./auditApi";
import { type AuditFilter, cleanFilter, filterSize, type SavedSearch } from "./auditEvent";

/** A saved search's filter in one line for its tooltip, e.g. "role=sysadmin · result=denied". */
const describe = (filter: AuditFilter) =>
  Object.entries(cleanFilter(filter))
    .map(([key, value]) => `${key}=${value}`)
    .join(" · ");

/**
 * The caller's saved searches (only its own; the server keeps them per account): a tag each — clicking it
 * applies the search, its × deletes it after a confirmation — and "save current search" for the filter in
 * the address bar, under a name.
 */
export function SavedSearches({ filter, onApply }: { filter: AuditFilter; onApply: (filter: AuditFilter) => void }) {
  const translate = useTranslate();
  const t = (key: string, options?: Record<string, unknown>) => translate(`audit.saved.${key}`, options);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const [form] = Form.useForm<{ name: string }>();
  const list = useQuery({ queryKey: ["audit-saved-searches"], queryFn: auditApi.savedSearches, retry: false });
  const confirm = useConfirmedAction(setError, () => list.refetch());

  const remove = (search: SavedSearch) =>
    confirm({
      title: t("deleteConfirm", { name: search.name }),
      danger: true,
      run: () => auditApi.deleteSearch(search.id),
      success: t("deleted"),
    });

  return (
    <div style={{ marginBottom: 16 }} data-testid="audit-saved">
      <ProblemAlert error={list.error ?? error} onClose={error ? () => setError(undefined) : undefined} />
      <Space wrap size={[8, 8]}>
        <Typography.Text type="secondary">
          <StarOutlined /> {t("title")}
        </Typography.Text>
        {list.data?.length === 0 && (
          <Typography.Text type="secondary" data-testid="audit-saved-empty">
            {t("empty")}
          </Typography.Text>
        )}
        {list.data?.map((search) => (
          <Tooltip key={search.id} title={describe(search.filter) || t("everything")}>
            <Tag
              color="blue"
              closable
              style={{ cursor: "pointer", marginInlineEnd: 0 }}
              data-testid="audit-saved-item"
              data-name={search.name}
              onClick={() => onApply(cleanFilter(search.filter))}
              onClose={(event) => {
                event.preventDefault();
                remove(search);
              }}
            >
              {search.name}
              <Typography.Text type="secondary" style={{ fontSize: 11, marginInlineStart: 4 }}>
                ({t("fields", { count: filterSize(search.filter) })})
              </Typography.Text>
            </Tag>
          </Tooltip>
        ))}
        <Button size="small" icon={<SaveOutlined />} onClick={() => setSaving(true)} data-testid="audit-save-search">
          {t("save")}
        </Button>
      </Space>
      <FormDialog<{ name: string }>
        open={saving}
        onClose={() => setSaving(false)}
        form={form}
        title={t("saveTitle")}
        okText={t("saveOk")}
        cancelText={t("cancel")}
        okTestId="audit-save-ok"
        autoFocusField="name"
        onSubmit={async ({ name }) => {
          await auditApi.saveSearch(name.trim(), filter);
          await list.refetch();
        }}
      >
        <Form.Item
          name="name"
          label={t("name")}
          rules={[
            { required: true, whitespace: true, message: t("nameRequired") },
            { max: 80, message: t("nameTooLong") },
          ]}
        >
          <Input maxLength={80} data-testid="audit-save-name" />
        </Form.Item>
        <Typography.Text type="secondary">
          {t("current")}: {describe(filter) || t("everything")}
        </Typography.Text>
      </FormDialog>
    </div>
  );
}
