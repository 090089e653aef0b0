import { CloudUploadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Form, Input, Space, Tag } from "antd";
import { useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { useCan } from "../../components/org/useCan";
import { wordsApi } from "./wordsApi";
import { PUBLICATIONS_KEY, useRefreshPublished } from "./wordsQueries";

interface NoteValues {
  note?: string;
}

/** The active version and the 发布 button: the draft becomes the next version, with an optional note. */
export function PublishControl({ onShowPublications }: { onShowPublications: () => void }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.publish.${key}`, values);
  const { message } = App.useApp();
  const can = useCan();
  const refreshPublished = useRefreshPublished();
  const [form] = Form.useForm<NoteValues>();
  const [open, setOpen] = useState(false);
  const latest = useQuery({ queryKey: [...PUBLICATIONS_KEY, "latest"], queryFn: () => wordsApi.publications(1, 1) });
  const active = latest.data?.rows.find((p) => p.active) ?? latest.data?.rows[0];

  const publish = async ({ note }: NoteValues) => {
    const published = await wordsApi.publish(note?.trim() || undefined);
    await refreshPublished();
    message.success(t("done", { version: published.version, words: published.wordCount }));
  };

  return (
    <Space wrap>
      <Tag
        color={active ? "green" : "default"}
        data-testid="words-active-version"
        data-version={active?.version ?? 0}
        style={{ cursor: "pointer" }}
        onClick={onShowPublications}
      >
        {active ? t("active", { version: active.version, words: active.wordCount }) : t("none")}
      </Tag>
      {can("update", "SensitiveWord") && (
        <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setOpen(true)} data-testid="words-publish">
          {t("button")}
        </Button>
      )}
      <FormDialog<NoteValues>
        open={open}
        onClose={() => setOpen(false)}
        onSubmit={publish}
        form={form}
        title={t("title")}
        okText={t("button")}
        cancelText={translate("words.common.cancel")}
        initialValues={{ note: "" }}
        autoFocusField="note"
        okTestId="words-publish-ok"
      >
        <p>{t("intro")}</p>
        <Form.Item name="note" label={t("note")} rules={[{ max: 500 }]}>
          <Input.TextArea rows={3} placeholder={t("notePlaceholder")} data-testid="words-publish-note" />
        </Form.Item>
      </FormDialog>
    </Space>
  );
}
