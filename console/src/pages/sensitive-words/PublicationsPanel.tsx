import { RollbackOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Input, Table, Tag, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { formatBeijingTime } from "../../time";
import { type Publication, wordsApi } from "./wordsApi";
import { PUBLICATIONS_KEY, useRefreshPublished } from "./wordsQueries";

const PAGE_SIZE = 10;

/**
 * 发布记录: every version, newest first, the active one marked. 回滚到此版本 makes an older snapshot active
 * again; the server records it as a new version (rolledBackTo), so history is never rewritten.
 */
export function PublicationsPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.publications.${key}`, values);
  const can = useCan();
  const [page, setPage] = useState(1);
  const [error, setError] = useState<unknown>();
  const refreshPublished = useRefreshPublished();
  const confirm = useConfirmedAction(setError, refreshPublished);
  const publications = useQuery({
    queryKey: [...PUBLICATIONS_KEY, page],
    queryFn: () => wordsApi.publications(page, PAGE_SIZE),
    placeholderData: (previous) => previous,
  });
  const rollback = (row: Publication) => {
    let note = "";
    confirm({
      title: t("rollbackTitle", { version: row.version }),
      content: (
        <>
          <Typography.Paragraph>
            {t("rollbackContent", { version: row.version, words: row.wordCount })}
          </Typography.Paragraph>
          <Input
            placeholder={t("rollbackNote")}
            maxLength={500}
            onChange={(event) => {
              note = event.target.value;
            }}
            data-testid="words-rollback-note"
          />
        </>
      ),
      run: () => wordsApi.rollback(row.version, note.trim() || undefined),
      success: t("rolledBack", { version: row.version }),
    });
  };

  return (
    <Card styles={{ body: { padding: 0 } }} data-testid="words-publications">
      <div style={{ padding: 16, paddingBottom: 0 }}>
        <ProblemAlert
          error={error ?? publications.error}
          onClose={() => setError(undefined)}
          testId="words-publications-problem"
        />
      </div>
      <Table<Publication>
        rowKey="version"
        size="middle"
        loading={publications.isFetching}
        dataSource={publications.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: publications.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => translate("words.common.total", { total }),
        )}
        columns={[
          {
            title: t("version"),
            dataIndex: "version",
            render: (version: number, row) => (
              <>
                <Typography.Text strong>v{version}</Typography.Text>{" "}
                {row.active && <Tag color="green">{t("active")}</Tag>}
                {row.rolledBackTo !== null && (
                  <Tag color="orange">{t("rolledBackTo", { version: row.rolledBackTo })}</Tag>
                )}
              </>
            ),
          },
          { title: t("words"), dataIndex: "wordCount", align: "right" },
          { title: t("allow"), dataIndex: "allowCount", align: "right" },
          { title: t("note"), dataIndex: "note", render: (text: string) => text || "—" },
          { title: t("by"), key: "by", render: (_, row) => row.publishedByName ?? row.publishedBy ?? "—" },
          { title: t("at"), dataIndex: "publishedAt", render: (iso: string) => formatBeijingTime(iso) },
          {
            title: translate("words.common.actions"),
            key: "actions",
            render: (_, row) =>
              can("update", "SensitiveWord") &&
              !row.active && (
                <Button
                  size="small"
                  icon={<RollbackOutlined />}
                  onClick={() => rollback(row)}
                  data-testid="words-rollback"
                  data-version={row.version}
                >
                  {t("rollback")}
                </Button>
              ),
          },
        ]}
      />
    </Card>
  );
}

function rowHooks(row: Publication): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = {
    "data-testid": "words-publication-row",
    "data-version": row.version,
    "data-active": String(row.active),
  };
  return hooks as HTMLAttributes<HTMLElement>;
}
