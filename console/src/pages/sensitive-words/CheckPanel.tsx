import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Alert, Card, Col, Descriptions, Input, Row, Table, Tag, Tooltip, Typography } from "antd";
import { useEffect, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { ACTION_COLOR } from "./BulkBar";
import { type Hit, type Verdict, wordsApi } from "./wordsApi";
import { segmentsOf, strongestAction } from "./wordsModel";
import { CHECK_KEY } from "./wordsQueries";

const DEBOUNCE_MS = 350;
const VERDICT_COLOR: Record<Verdict, string> = { pass: "green", review: "blue", replace: "orange", block: "red" };
const MARK_COLOR = { block: "#ffccc7", replace: "#ffe7ba", review: "#d6e4ff" } as const;

/**
 * 检测: the text is checked by the server (POST /content/check) as it is typed, debounced, against the
 * published dictionary — the one message services get. Hits are highlighted in the text (evasions such as
 * 敏*感词 included: the span covers the noise), with the verdict and the text as it would be delivered.
 * The console's checks are not counted in the statistics.
 */
export function CheckPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`words.check.${key}`, values);
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const check = useQuery({
    queryKey: [...CHECK_KEY, debounced],
    queryFn: () => wordsApi.check(debounced),
    enabled: debounced !== "",
    placeholderData: (previous) => previous,
  });
  // An answer is shown only for the text it judged (placeholderData keeps the last one while typing).
  const result = debounced !== "" && check.data && check.isSuccess ? check.data : undefined;
  const judged = result ? debounced : "";

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}>
        <Card title={t("title")}>
          <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
          <Input.TextArea
            rows={8}
            value={text}
            maxLength={20_000}
            showCount
            onChange={(event) => setText(event.target.value)}
            placeholder={t("placeholder")}
            data-testid="words-check-input"
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card
          title={t("result")}
          data-testid="words-check-result"
          data-verdict={result?.verdict ?? ""}
          data-hits={result?.hits.length ?? 0}
          data-text={judged}
          extra={
            result && (
              <Tag color={VERDICT_COLOR[result.verdict]} data-testid="words-check-verdict">
                {translate(`words.verdicts.${result.verdict}`)}
              </Tag>
            )
          }
        >
          <ProblemAlert error={check.error} testId="words-check-problem" />
          {!result ? (
            <Typography.Text type="secondary">{t("empty")}</Typography.Text>
          ) : (
            <>
              {result.version === 0 && (
                <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t("nothingPublished")} />
              )}
              <div
                data-testid="words-check-highlight"
                style={{
                  whiteSpace: "pre-wrap",
                  lineHeight: 2,
                  padding: 12,
                  border: "1px solid #f0f0f0",
                  borderRadius: 6,
                }}
              >
                <Highlighted text={judged} hits={result.hits} />
              </div>
              <Descriptions column={1} size="small" style={{ marginTop: 12 }}>
                <Descriptions.Item label={t("version")}>
                  <span data-testid="words-check-version" data-version={result.version}>
                    v{result.version}
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={t("delivered")}>
                  <Typography.Text code data-testid="words-check-replaced">
                    {result.text}
                  </Typography.Text>
                </Descriptions.Item>
              </Descriptions>
              {result.hits.length > 0 && <HitTable hits={result.hits} text={judged} />}
            </>
          )}
        </Card>
      </Col>
    </Row>
  );
}

/** The text with each hit span marked in the colour of its strongest action; hovering lists the hits. */
function Highlighted({ text, hits }: { text: string; hits: Hit[] }) {
  const translate = useTranslate();
  return (
    <>
      {segmentsOf(text, hits).map((segment) => {
        const action = strongestAction(segment.hits);
        if (!action) return <span key={segment.start}>{segment.text}</span>;
        const label = segment.hits
          .map(
            (h) =>
              `${h.word} · ${translate(`words.categories.${h.category}`)} · ${translate(`words.actions.${h.action}`)}`,
          )
          .join("；");
        return (
          <Tooltip key={segment.start} title={label}>
            <mark
              data-testid="words-check-hit"
              data-action={action}
              data-words={segment.hits.map((h) => h.word).join(",")}
              style={{
                background: MARK_COLOR[action],
                padding: "2px 0",
                borderBottom: `2px solid ${ACTION_COLOR[action]}`,
              }}
            >
              {segment.text}
            </mark>
          </Tooltip>
        );
      })}
    </>
  );
}

function HitTable({ hits, text }: { hits: Hit[]; text: string }) {
  const translate = useTranslate();
  const t = (key: string) => translate(`words.check.${key}`);
  return (
    <Table<Hit>
      size="small"
      style={{ marginTop: 12 }}
      rowKey={(h) => `${h.start}:${h.end}:${h.word}`}
      dataSource={hits}
      pagination={false}
      data-testid="words-check-hits"
      columns={[
        { title: t("word"), dataIndex: "word" },
        {
          title: t("matched"),
          key: "matched",
          render: (_, h) => <Typography.Text code>{text.slice(h.start, h.end)}</Typography.Text>,
        },
        { title: t("category"), dataIndex: "category", render: (c: string) => translate(`words.categories.${c}`) },
        {
          title: t("action"),
          dataIndex: "action",
          render: (a: Hit["action"]) => <Tag color={ACTION_COLOR[a]}>{translate(`words.actions.${a}`)}</Tag>,
        },
        { title: t("level"), dataIndex: "level" },
        { title: t("via"), dataIndex: "via", render: (v: Hit["via"]) => translate(`words.via.${v}`) },
      ]}
    />
  );
}
