import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Input, Select, Space, Table, Tag, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { ACTION_COLOR, BulkBar } from "./BulkBar";
import { WordDialog } from "./WordDialog";
import { ACTIONS, CATEGORIES, type Category, type SensitiveWord, type WordAction, wordsApi } from "./wordsApi";
import { DICTIONARIES_KEY, useRefreshDraft, WORD_LIST_KEY } from "./wordsQueries";

/**
 * 词条: the draft's words (of the selected dictionary, or all), searched on the server by part of the word
 * and filtered by category, action and level; rows can be selected for bulk delete, level, action or move.
 */
export function WordTable({ dictionaryId }: { dictionaryId: string | undefined }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.words.${key}`, values);
  const { message } = App.useApp();
  const can = useCan();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [q, setQ] = useState("");
  const [category, setCategory] = useState<Category>();
  const [action, setAction] = useState<WordAction>();
  const [level, setLevel] = useState<number>();
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState<SensitiveWord | "new">();
  const [error, setError] = useState<unknown>();
  const refreshDraft = useRefreshDraft();
  const confirm = useConfirmedAction(setError, refreshDraft);
  const filters = { q: q.trim() || undefined, dictionaryId, category, action, level };
  const words = useQuery({
    queryKey: [...WORD_LIST_KEY, filters, page, pageSize],
    queryFn: () => wordsApi.words(page, pageSize, filters),
    placeholderData: (previous) => previous,
  });
  const dictionaries = useQuery({ queryKey: DICTIONARIES_KEY, queryFn: wordsApi.dictionaries });
  const dictionaryName = (id: string) => dictionaries.data?.find((d) => d.id === id)?.name ?? "—";
  const resetPage =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
      setSelected([]);
    };

  const remove = (word: SensitiveWord) =>
    confirm({
      title: t("deleteTitle", { word: word.word }),
      danger: true,
      run: () => wordsApi.deleteWord(word),
      success: t("deleted"),
    });

  return (
    <Card
      title={dictionaryId ? t("titleOf", { name: dictionaryName(dictionaryId) }) : t("title")}
      styles={{ body: { padding: 0 } }}
      data-testid="words-table"
      extra={
        can("create", "SensitiveWord") && (
          <Button
            size="small"
            type="primary"
            icon={<PlusOutlined />}
            disabled={(dictionaries.data ?? []).length === 0}
            onClick={() => setEditing("new")}
            data-testid="word-add"
          >
            {t("add")}
          </Button>
        )
      }
    >
      <div style={{ padding: "12px 16px" }}>
        <ProblemAlert error={error ?? words.error} onClose={() => setError(undefined)} testId="words-problem" />
        <Space wrap>
          <Input.Search
            allowClear
            placeholder={t("search")}
            style={{ width: 200 }}
            onSearch={resetPage(setQ)}
            data-testid="words-search"
          />
          <Select<Category>
            allowClear
            placeholder={t("category")}
            style={{ width: 120 }}
            value={category}
            onChange={resetPage(setCategory)}
            options={CATEGORIES.map((c) => ({ value: c, label: translate(`words.categories.${c}`) }))}
          />
          <Select<WordAction>
            allowClear
            placeholder={t("action")}
            style={{ width: 110 }}
            value={action}
            onChange={resetPage(setAction)}
            options={ACTIONS.map((a) => ({ value: a, label: translate(`words.actions.${a}`) }))}
          />
          <Select<number>
            allowClear
            placeholder={t("level")}
            style={{ width: 100 }}
            value={level}
            onChange={resetPage(setLevel)}
            options={[1, 2, 3, 4, 5].map((l) => ({ value: l, label: t("levelN", { level: l }) }))}
          />
        </Space>
        {selected.length > 0 && can("update", "SensitiveWord") && (
          <BulkBar
            ids={selected}
            dictionaries={dictionaries.data ?? []}
            onDone={(affected, skipped) => {
              message.success(t("bulkDone", { affected, skipped }));
              setSelected([]);
              void refreshDraft();
            }}
            onError={setError}
            confirm={confirm}
          />
        )}
      </div>
      <Table<SensitiveWord>
        rowKey="id"
        size="small"
        loading={words.isFetching}
        dataSource={words.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        rowSelection={
          can("update", "SensitiveWord")
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys.map(String)),
                preserveSelectedRowKeys: true,
              }
            : undefined
        }
        pagination={withTotal(
          {
            current: page,
            pageSize,
            total: words.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [20, 50, 100, 200],
            onChange: (next, size) => {
              setPage(size === pageSize ? next : 1);
              setPageSize(size);
            },
          },
          (total) => translate("words.common.total", { total }),
        )}
        columns={[
          { title: t("word"), dataIndex: "word", render: (w: string) => <Typography.Text strong>{w}</Typography.Text> },
          { title: t("dictionary"), dataIndex: "dictionaryId", render: dictionaryName },
          {
            title: t("category"),
            dataIndex: "category",
            render: (c: Category) => <Tag>{translate(`words.categories.${c}`)}</Tag>,
          },
          { title: t("level"), dataIndex: "level", align: "right" },
          {
            title: t("action"),
            dataIndex: "action",
            render: (a: WordAction) => <Tag color={ACTION_COLOR[a]}>{translate(`words.actions.${a}`)}</Tag>,
          },
          {
            title: t("pinyin"),
            dataIndex: "pinyin",
            render: (p: boolean) => (p ? translate("words.common.yes") : "—"),
          },
          {
            title: translate("words.common.actions"),
            key: "ops",
            render: (_, row) => (
              <Space size={4}>
                {can("update", "SensitiveWord") && (
                  <Button
                    size="small"
                    type="text"
                    icon={<EditOutlined />}
                    onClick={() => setEditing(row)}
                    aria-label={translate("words.common.edit")}
                  />
                )}
                {can("delete", "SensitiveWord") && (
                  <Button
                    size="small"
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    onClick={() => remove(row)}
                    aria-label={translate("words.common.delete")}
                  />
                )}
              </Space>
            ),
          },
        ]}
      />
      <WordDialog
        editing={editing}
        dictionaries={dictionaries.data ?? []}
        defaultDictionaryId={dictionaryId}
        onClose={() => setEditing(undefined)}
        onSaved={refreshDraft}
      />
    </Card>
  );
}

function rowHooks(w: SensitiveWord): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "word-row", "data-word": w.word };
  return hooks as HTMLAttributes<HTMLElement>;
}
