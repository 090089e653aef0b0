import { DeleteOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Button, Select, Space, Typography } from "antd";
import { useState } from "react";
import type { ConfirmedAction } from "../../components/useConfirmedAction";
import { ACTIONS, type BulkRequest, type Dictionary, type WordAction, wordsApi } from "./wordsApi";

export const ACTION_COLOR: Record<WordAction, string> = { block: "red", replace: "orange", review: "blue" };

/**
 * Bulk operations on the selected words (up to 1,000 at once, the server's limit): delete (confirmed), set
 * the level or the action, move to another dictionary. The server skips ids that no longer exist.
 */
export function BulkBar({
  ids,
  dictionaries,
  onDone,
  onError,
  confirm,
}: {
  ids: string[];
  dictionaries: Dictionary[];
  onDone: (affected: number, skipped: number) => void;
  onError: (error: unknown) => void;
  confirm: (action: ConfirmedAction) => unknown;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.bulk.${key}`, values);
  const [busy, setBusy] = useState(false);
  const tooMany = ids.length > 1000;

  const run = async (request: BulkRequest) => {
    setBusy(true);
    onError(undefined);
    try {
      const result = await wordsApi.bulk(request);
      onDone(result.affected, result.skipped);
    } catch (caught) {
      onError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space wrap style={{ marginTop: 12 }} data-testid="words-bulk">
      <Typography.Text>{t("selected", { count: ids.length })}</Typography.Text>
      {tooMany && <Typography.Text type="danger">{t("tooMany")}</Typography.Text>}
      <Button
        size="small"
        danger
        icon={<DeleteOutlined />}
        disabled={tooMany || busy}
        onClick={() =>
          confirm({
            title: t("deleteTitle", { count: ids.length }),
            danger: true,
            run: async () => {
              const result = await wordsApi.bulk({ op: "delete", ids });
              onDone(result.affected, result.skipped);
            },
            success: t("deleted"),
          })
        }
        data-testid="words-bulk-delete"
      >
        {t("delete")}
      </Button>
      <Select<number>
        size="small"
        placeholder={t("setLevel")}
        style={{ width: 120 }}
        disabled={tooMany || busy}
        value={null as unknown as number}
        onChange={(level) => void run({ op: "update", ids, set: { level } })}
        options={[1, 2, 3, 4, 5].map((l) => ({ value: l, label: translate("words.words.levelN", { level: l }) }))}
      />
      <Select<WordAction>
        size="small"
        placeholder={t("setAction")}
        style={{ width: 130 }}
        disabled={tooMany || busy}
        value={null as unknown as WordAction}
        onChange={(action) => void run({ op: "update", ids, set: { action } })}
        options={ACTIONS.map((a) => ({ value: a, label: translate(`words.actions.${a}`) }))}
        data-testid="words-bulk-action"
      />
      <Select<string>
        size="small"
        placeholder={t("move")}
        style={{ width: 160 }}
        disabled={tooMany || busy}
        value={null as unknown as string}
        onChange={(dictionaryId) => void run({ op: "move", ids, dictionaryId })}
        options={dictionaries.map((d) => ({ value: d.id, label: d.name }))}
      />
    </Space>
  );
}
