import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { type HTMLAttributes, useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { RowEditDelete } from "../../components/RowEditDelete";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { formatBeijingTime } from "../../time";
import { useNow } from "../incidents/DeadlineTag";
import { type Silence, alertApi } from "./alertApi";
import {
  hasSelectingMatcher,
  isValidRegex,
  KNOWN_LABELS,
  MATCHER_LABEL,
  MATCHER_OPS,
  type MatcherOp,
  matcherOf,
  matcherText,
  opOf,
  silenceState,
} from "./alertModel";

const PAGE_SIZE = 20;
const STATE_COLOR = { active: "green", pending: "blue", expired: "default" } as const;

/** Silences: matchers on alert labels and a time window; an alert that matches is not notified. */
export function SilencesPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`alerts.silences.${key}`, values);
  const can = useCan();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Silence | "new">();
  const [error, setError] = useState<unknown>();
  const silences = useQuery({
    queryKey: ["data", "alert-silences", "list", page],
    queryFn: () => alertApi.silences(page, PAGE_SIZE),
    placeholderData: (previous) => previous,
  });
  const confirm = useConfirmedAction(setError, () => silences.refetch());
  const now = useNow(30_000);

  return (
    <Card
      styles={{ body: { padding: 0 } }}
      extra={
        can("create", "Alert") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="silence-create">
            {t("create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? silences.error} onClose={() => setError(undefined)} testId="silences-problem" />
      <Table<Silence>
        rowKey="id"
        size="middle"
        loading={silences.isFetching && !silences.data}
        dataSource={silences.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: silences.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => translate("alerts.list.total", { total }),
        )}
        columns={[
          {
            title: t("matchers"),
            dataIndex: "matchers",
            render: (matchers: Silence["matchers"]) => (
              <Space size={[4, 4]} wrap>
                {matchers.map((m, i) => (
                  <Tag key={i} bordered={false} style={{ fontFamily: "monospace" }}>
                    {matcherText(m)}
                  </Tag>
                ))}
              </Space>
            ),
          },
          {
            title: t("window"),
            key: "window",
            render: (_, s) => `${formatBeijingTime(s.startsAt)} – ${formatBeijingTime(s.endsAt)}`,
          },
          {
            title: t("state"),
            key: "state",
            render: (_, s) => {
              const state = silenceState(s, now);
              return <Tag color={STATE_COLOR[state]}>{t(state)}</Tag>;
            },
          },
          { title: t("comment"), dataIndex: "comment" },
          {
            title: translate("incidents.common.actions"),
            key: "ops",
            render: (_, s) => (
              <RowEditDelete
                onEdit={can("update", "Alert") ? () => setEditing(s) : undefined}
                onDelete={
                  can("delete", "Alert")
                    ? () =>
                        confirm({
                          title: t("deleteTitle"),
                          danger: true,
                          run: () => alertApi.removeSilence(s),
                          success: t("deleted"),
                        })
                    : undefined
                }
                editLabel={t("edit")}
                deleteLabel={t("delete")}
              />
            ),
          },
        ]}
      />
      <SilenceEditor editing={editing} onClose={() => setEditing(undefined)} onSaved={() => silences.refetch()} />
    </Card>
  );
}

interface MatcherRow {
  label: string;
  op: MatcherOp;
  value: string;
}
interface SilenceValues {
  matchers: MatcherRow[];
  window: [Dayjs, Dayjs];
  comment: string;
}

function SilenceEditor({
  editing,
  onClose,
  onSaved,
}: {
  editing: Silence | "new" | undefined;
  onClose: () => void;
  onSaved: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string) => translate(`alerts.silences.${key}`);
  const { message } = App.useApp();
  const [form] = Form.useForm<SilenceValues>();
  const silence = editing === "new" ? undefined : editing;
  const initial: SilenceValues = silence
    ? {
        matchers: silence.matchers.map((m) => ({ label: m.label, op: opOf(m), value: m.value })),
        window: [dayjs(silence.startsAt), dayjs(silence.endsAt)],
        comment: silence.comment,
      }
    : { matchers: [{ label: "", op: "eq", value: "" }], window: [dayjs(), dayjs().add(2, "hour")], comment: "" };

  return (
    <FormDialog<SilenceValues>
      open={editing !== undefined}
      onClose={onClose}
      form={form}
      width={720}
      title={t(silence ? "editTitle" : "createTitle")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={initial}
      okTestId="silence-save"
      onSubmit={async (values) => {
        const body = {
          matchers: values.matchers.map((m) => matcherOf(m.label, m.op, m.value)),
          startsAt: values.window[0].toISOString(),
          endsAt: values.window[1].toISOString(),
          comment: values.comment ?? "",
        };
        if (silence) await alertApi.updateSilence(silence, body);
        else await alertApi.createSilence(body);
        message.success(t("saved"));
        await onSaved();
      }}
    >
      <Form.List
        name="matchers"
        rules={[
          {
            validator: (_, rows: MatcherRow[] | undefined) =>
              hasSelectingMatcher((rows ?? []).map((r) => matcherOf(r.label ?? "", r.op, r.value ?? "")))
                ? Promise.resolve()
                : Promise.reject(new Error(t("needSelecting"))),
          },
        ]}
      >
        {(fields, { add, remove }, { errors }) => (
          <>
            <Typography.Text strong>{t("matchers")}</Typography.Text>
            {fields.map((field) => (
              <Space key={field.key} align="start" style={{ display: "flex", marginTop: 8 }}>
                <Form.Item
                  name={[field.name, "label"]}
                  rules={[{ required: true, pattern: MATCHER_LABEL, message: t("label") }]}
                  style={{ marginBottom: 0 }}
                >
                  <Select
                    showSearch
                    style={{ width: 170 }}
                    placeholder={t("label")}
                    options={KNOWN_LABELS.map((l) => ({ value: l, label: l }))}
                    data-testid="silence-label"
                  />
                </Form.Item>
                <Form.Item name={[field.name, "op"]} style={{ marginBottom: 0 }}>
                  <Select
                    style={{ width: 140 }}
                    options={MATCHER_OPS.map((op) => ({ value: op, label: translate(`alerts.silences.ops.${op}`) }))}
                    data-testid="silence-op"
                  />
                </Form.Item>
                <Form.Item
                  name={[field.name, "value"]}
                  dependencies={[["matchers", field.name, "op"]]}
                  style={{ marginBottom: 0 }}
                  rules={[
                    { max: 500 },
                    ({ getFieldValue }) => ({
                      validator: (_, value: string | undefined) => {
                        const op = getFieldValue(["matchers", field.name, "op"]) as MatcherOp;
                        return (op === "re" || op === "nre") && !isValidRegex(value ?? "")
                          ? Promise.reject(new Error(t("badRegex")))
                          : Promise.resolve();
                      },
                    }),
                  ]}
                >
                  <Input style={{ width: 240 }} placeholder={t("value")} data-testid="silence-value" />
                </Form.Item>
                {fields.length > 1 && (
                  <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} />
                )}
              </Space>
            ))}
            <Form.ErrorList errors={errors} />
            <Button
              type="dashed"
              icon={<PlusOutlined />}
              style={{ marginTop: 8, marginBottom: 16 }}
              disabled={fields.length >= 20}
              onClick={() => add({ label: "", op: "eq", value: "" })}
            >
              {t("addMatcher")}
            </Button>
          </>
        )}
      </Form.List>
      <Form.Item name="window" label={t("window")} rules={[{ required: true }]}>
        <DatePicker.RangePicker showTime style={{ width: "100%" }} data-testid="silence-window" />
      </Form.Item>
      <Form.Item name="comment" label={t("comment")} rules={[{ max: 1000 }]}>
        <Input.TextArea rows={2} data-testid="silence-comment" />
      </Form.Item>
    </FormDialog>
  );
}

function rowHooks(s: Silence): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "silence-row", "data-id": s.id };
  return hooks as HTMLAttributes<HTMLElement>;
}
