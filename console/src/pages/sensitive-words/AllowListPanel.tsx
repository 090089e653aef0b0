import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Space, Table, Typography } from "antd";
import { useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { formatBeijingTime } from "../../time";
import { type AllowWord, wordsApi } from "./wordsApi";
import { ALLOW_KEY } from "./wordsQueries";

const PAGE_SIZE = 20;

interface AllowValues {
  word: string;
  note?: string;
}

/** 白名单: words that never hit — a hit lying wholly inside an allowed word is dropped (发票查验 vs 发票). */
export function AllowListPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.allow.${key}`, values);
  const { message } = App.useApp();
  const can = useCan();
  const [form] = Form.useForm<AllowValues>();
  const [adding, setAdding] = useState(false);
  const [page, setPage] = useState(1);
  const [q, setQ] = useState("");
  const [error, setError] = useState<unknown>();
  const allow = useQuery({
    queryKey: [...ALLOW_KEY, q, page],
    queryFn: () => wordsApi.allowList(page, PAGE_SIZE, q.trim() || undefined),
    placeholderData: (previous) => previous,
  });
  const confirm = useConfirmedAction(setError, () => allow.refetch());

  const add = async ({ word, note }: AllowValues) => {
    await wordsApi.addAllow(word.trim(), note?.trim() || undefined);
    message.success(t("added", { word: word.trim() }));
    await allow.refetch();
  };

  return (
    <Card
      title={t("title")}
      styles={{ body: { padding: 0 } }}
      data-testid="words-allow"
      extra={
        can("create", "SensitiveWord") && (
          <Button
            size="small"
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setAdding(true)}
            data-testid="allow-add"
          >
            {t("add")}
          </Button>
        )
      }
    >
      <div style={{ padding: "12px 16px" }}>
        <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
        <ProblemAlert error={error ?? allow.error} onClose={() => setError(undefined)} testId="allow-problem" />
        <Space>
          <Input.Search
            allowClear
            placeholder={t("search")}
            style={{ width: 220 }}
            onSearch={(value) => {
              setQ(value);
              setPage(1);
            }}
          />
        </Space>
      </div>
      <Table<AllowWord>
        rowKey="id"
        size="small"
        loading={allow.isFetching}
        dataSource={allow.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: allow.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => translate("words.common.total", { total }),
        )}
        columns={[
          { title: t("word"), dataIndex: "word", render: (w: string) => <Typography.Text strong>{w}</Typography.Text> },
          { title: t("note"), dataIndex: "note", render: (n: string) => n || "—" },
          { title: t("createdAt"), dataIndex: "createdAt", render: (iso: string) => formatBeijingTime(iso) },
          {
            title: translate("words.common.actions"),
            key: "ops",
            render: (_, row) =>
              can("delete", "SensitiveWord") && (
                <Button
                  size="small"
                  type="text"
                  danger
                  icon={<DeleteOutlined />}
                  aria-label={translate("words.common.delete")}
                  onClick={() =>
                    confirm({
                      title: t("removeTitle", { word: row.word }),
                      danger: true,
                      run: () => wordsApi.removeAllow(row.id),
                      success: t("removed"),
                    })
                  }
                />
              ),
          },
        ]}
      />
      <FormDialog<AllowValues>
        open={adding}
        onClose={() => setAdding(false)}
        onSubmit={add}
        form={form}
        title={t("add")}
        okText={translate("words.common.save")}
        cancelText={translate("words.common.cancel")}
        initialValues={{ word: "", note: "" }}
        autoFocusField="word"
        okTestId="allow-save"
      >
        <Form.Item
          name="word"
          label={t("word")}
          rules={[{ required: true, whitespace: true, max: 64, message: t("wordRequired") }]}
        >
          <Input data-testid="allow-word" />
        </Form.Item>
        <Form.Item name="note" label={t("note")} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
      </FormDialog>
    </Card>
  );
}
