import { DeleteOutlined, DownloadOutlined, EditOutlined, PlusOutlined, UploadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Dropdown, Form, Input, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { downloadFile } from "../../api/files";
import { downloadBlob } from "../../components/download";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { ImportWordsModal } from "./ImportWordsModal";
import { CATEGORIES, type Category, type Dictionary, wordsApi } from "./wordsApi";
import { DICTIONARIES_KEY, useRefreshDraft } from "./wordsQueries";

interface DictionaryValues {
  name: string;
  category: Category;
  description?: string;
  enabled: boolean;
}

/**
 * 词库: the dictionaries with their category and word count. Clicking one filters the words beside it; the
 * selected one can be edited (If-Match on its version), enabled or disabled (a disabled one is left out of
 * the next publication), imported into, exported (txt / CSV / XLSX) and deleted with its words.
 */
export function DictionaryPanel({
  selectedId,
  onSelect,
}: {
  selectedId: string | undefined;
  onSelect: (id: string | undefined) => void;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.dictionaries.${key}`, values);
  const { message } = App.useApp();
  const can = useCan();
  const [form] = Form.useForm<DictionaryValues>();
  const [editing, setEditing] = useState<Dictionary | "new">();
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<unknown>();
  const refreshDraft = useRefreshDraft();
  const confirm = useConfirmedAction(setError, refreshDraft);
  const dictionaries = useQuery({ queryKey: DICTIONARIES_KEY, queryFn: wordsApi.dictionaries });
  const selected = dictionaries.data?.find((d) => d.id === selectedId);

  const save = async (values: DictionaryValues) => {
    const body = { ...values, description: values.description ?? "" };
    if (editing === "new") {
      const created = await wordsApi.createDictionary(body);
      onSelect(created.id);
      message.success(t("created"));
    } else if (editing) {
      await wordsApi.updateDictionary(editing, body);
      message.success(t("saved"));
    }
    await refreshDraft();
  };

  const toggle = async (dict: Dictionary, enabled: boolean) => {
    setError(undefined);
    try {
      await wordsApi.updateDictionary(dict, { enabled });
      message.success(t(enabled ? "enabledDone" : "disabledDone", { name: dict.name }));
    } catch (caught) {
      setError(caught);
    }
    await refreshDraft();
  };

  const exportAs = async (dict: Dictionary, format: "txt" | "csv" | "xlsx") => {
    setError(undefined);
    try {
      const file = await downloadFile(
        `/words/dictionaries/${dict.id}/export`,
        new URLSearchParams({ format }),
        `${dict.name}.${format}`,
      );
      downloadBlob(file.filename, file.blob);
    } catch (caught) {
      setError(caught);
    }
  };

  const remove = (dict: Dictionary) =>
    confirm({
      title: t("deleteTitle", { name: dict.name }),
      content: t("deleteContent", { count: dict.wordCount }),
      danger: true,
      run: async () => {
        await wordsApi.deleteDictionary(dict);
        onSelect(undefined);
      },
      success: t("deleted"),
    });

  return (
    <Card
      title={t("title")}
      styles={{ body: { padding: 0 } }}
      data-testid="words-dictionaries"
      extra={
        can("create", "SensitiveWord") && (
          <Button
            size="small"
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setEditing("new")}
            data-testid="dictionary-create"
          >
            {t("create")}
          </Button>
        )
      }
    >
      <div style={{ padding: "12px 16px 0" }}>
        <ProblemAlert
          error={error ?? dictionaries.error}
          onClose={() => setError(undefined)}
          testId="dictionary-problem"
        />
        {selected && (
          <Space wrap style={{ marginBottom: 12 }}>
            <Typography.Text strong>{selected.name}</Typography.Text>
            {can("update", "SensitiveWord") && (
              <Button
                size="small"
                icon={<EditOutlined />}
                onClick={() => setEditing(selected)}
                data-testid="dictionary-edit"
              >
                {translate("words.common.edit")}
              </Button>
            )}
            {can("create", "SensitiveWord") && (
              <Button
                size="small"
                icon={<UploadOutlined />}
                onClick={() => setImporting(true)}
                data-testid="dictionary-import"
              >
                {t("import")}
              </Button>
            )}
            <Dropdown
              menu={{
                items: (["txt", "csv", "xlsx"] as const).map((format) => ({
                  key: format,
                  label: <span data-testid={`dictionary-export-${format}`}>{t(`export.${format}`)}</span>,
                  onClick: () => void exportAs(selected, format),
                })),
              }}
            >
              <Button size="small" icon={<DownloadOutlined />} data-testid="dictionary-export">
                {t("export.button")}
              </Button>
            </Dropdown>
            {can("delete", "SensitiveWord") && (
              <Button
                size="small"
                danger
                icon={<DeleteOutlined />}
                onClick={() => remove(selected)}
                data-testid="dictionary-delete"
              >
                {translate("words.common.delete")}
              </Button>
            )}
          </Space>
        )}
      </div>
      <Table<Dictionary>
        rowKey="id"
        size="small"
        loading={dictionaries.isFetching}
        dataSource={dictionaries.data ?? []}
        pagination={false}
        locale={{ emptyText: t("empty") }}
        rowClassName={(d) => (d.id === selectedId ? "ant-table-row-selected" : "")}
        onRow={(d) => rowHooks(d, () => onSelect(d.id === selectedId ? undefined : d.id))}
        columns={[
          {
            title: t("name"),
            dataIndex: "name",
            render: (name: string, d) => (
              <>
                <Typography.Text strong={d.id === selectedId}>{name}</Typography.Text>
                {d.description && (
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {d.description}
                    </Typography.Text>
                  </div>
                )}
              </>
            ),
          },
          {
            title: t("category"),
            dataIndex: "category",
            render: (c: Category) => <Tag>{translate(`words.categories.${c}`)}</Tag>,
          },
          { title: t("words"), dataIndex: "wordCount", align: "right" },
          {
            title: t("enabled"),
            dataIndex: "enabled",
            render: (enabled: boolean, d) => (
              <span onClick={(event) => event.stopPropagation()}>
                <Switch
                  size="small"
                  checked={enabled}
                  disabled={!can("update", "SensitiveWord")}
                  onChange={(next) => void toggle(d, next)}
                  data-testid="dictionary-enabled"
                />
              </span>
            ),
          },
        ]}
      />
      <FormDialog<DictionaryValues>
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        onSubmit={save}
        form={form}
        title={t(editing === "new" ? "createTitle" : "editTitle")}
        okText={translate("words.common.save")}
        cancelText={translate("words.common.cancel")}
        initialValues={
          editing && editing !== "new"
            ? {
                name: editing.name,
                category: editing.category,
                description: editing.description,
                enabled: editing.enabled,
              }
            : { name: "", category: "custom", description: "", enabled: true }
        }
        autoFocusField="name"
        okTestId="dictionary-save"
      >
        <Form.Item
          name="name"
          label={t("name")}
          rules={[{ required: true, whitespace: true, max: 100, message: t("nameRequired") }]}
        >
          <Input data-testid="dictionary-name" />
        </Form.Item>
        <Form.Item name="category" label={t("category")} extra={t("categoryHelp")} rules={[{ required: true }]}>
          <Select
            data-testid="dictionary-category"
            options={CATEGORIES.map((c) => ({ value: c, label: translate(`words.categories.${c}`) }))}
          />
        </Form.Item>
        <Form.Item name="description" label={t("description")} rules={[{ max: 500 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="enabled" label={t("enabled")} valuePropName="checked" extra={t("enabledHelp")}>
          <Switch />
        </Form.Item>
      </FormDialog>
      {selected && (
        <ImportWordsModal
          open={importing}
          dictionary={selected}
          onClose={() => setImporting(false)}
          onImported={() => void refreshDraft()}
        />
      )}
    </Card>
  );
}

function rowHooks(d: Dictionary, onClick: () => void): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = {
    "data-testid": "dictionary-row",
    "data-name": d.name,
    style: { cursor: "pointer" },
    onClick,
  };
  return hooks as HTMLAttributes<HTMLElement>;
}
