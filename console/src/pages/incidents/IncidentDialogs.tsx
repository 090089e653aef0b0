import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, InputNumber, Select, Table, Typography } from "antd";
import { FormDialog } from "../../components/FormDialog";
import { useLocale } from "../../i18n/localeStore";
import { type Incident, incidentApi } from "./incidentApi";
import {
  actionsFromText,
  DEFAULT_DEADLINES,
  deadlineProblems,
  type Grade,
  type GradeDeadlines,
  GRADES,
  reviewProblems,
} from "./incidentModel";

function useGradeOptions() {
  const translate = useTranslate();
  return GRADES.map((g) => ({ value: g, label: translate(`incidents.grades.${g}`) }));
}

interface CreateValues {
  title: string;
  grade: Grade;
  description?: string;
}

/** Opening an incident by hand: title, grade, description. */
export function CreateIncidentDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (incident: Incident) => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`incidents.create.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<CreateValues>();
  const grades = useGradeOptions();
  return (
    <FormDialog<CreateValues>
      open={open}
      onClose={onClose}
      form={form}
      title={t("title")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={{ grade: "III" }}
      autoFocusField="title"
      okTestId="incident-create-save"
      onSubmit={async (values) => {
        const description = values.description?.trim();
        const created = await incidentApi.create({
          title: values.title.trim(),
          grade: values.grade,
          ...(description ? { description } : {}),
        });
        message.success(t("created", { number: created.number }));
        await onCreated(created);
      }}
    >
      <Form.Item name="title" label={t("incidentTitle")} rules={[{ required: true, whitespace: true, max: 200 }]}>
        <Input data-testid="incident-title" />
      </Form.Item>
      <Form.Item name="grade" label={t("grade")} rules={[{ required: true }]}>
        <Select options={grades} data-testid="incident-grade" />
      </Form.Item>
      <Form.Item name="description" label={t("description")} rules={[{ max: 4000 }]}>
        <Input.TextArea rows={4} data-testid="incident-description" />
      </Form.Item>
    </FormDialog>
  );
}

interface RegradeValues {
  grade: Grade;
  reason: string;
}

/** Regrading needs a reason; the deadlines are recomputed by the server from the opening. */
export function RegradeDialog({
  incident,
  onClose,
  onDone,
}: {
  incident: Incident | undefined;
  onClose: () => void;
  onDone: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`incidents.regrade.${key}`, values);
  const { message } = App.useApp();
  const [form] = Form.useForm<RegradeValues>();
  const grades = useGradeOptions().filter((g) => g.value !== incident?.grade);
  return (
    <FormDialog<RegradeValues>
      open={incident !== undefined}
      onClose={onClose}
      form={form}
      title={t("title")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={{ grade: grades[0]?.value, reason: "" }}
      autoFocusField="reason"
      okTestId="incident-regrade-save"
      onSubmit={async (values) => {
        if (!incident) return;
        await incidentApi.regrade(incident, values.grade, values.reason.trim());
        message.success(t("done", { grade: translate(`incidents.grades.${values.grade}`) }));
        await onDone();
      }}
    >
      <Typography.Paragraph type="secondary">{t("hint")}</Typography.Paragraph>
      <Form.Item name="grade" label={t("grade")} rules={[{ required: true }]}>
        <Select options={grades} data-testid="incident-regrade-grade" />
      </Form.Item>
      <Form.Item name="reason" label={t("reason")} rules={[{ required: true, whitespace: true, max: 1000 }]}>
        <Input.TextArea rows={3} data-testid="incident-regrade-reason" />
      </Form.Item>
    </FormDialog>
  );
}

interface ReviewValues {
  impact: string;
  affectedShare: number;
  rootCause: string;
  actions: string;
}

/** Closing: the post-incident review, checked with the server's own completeness rule before sending. */
export function ReviewDialog({
  incident,
  onClose,
  onDone,
}: {
  incident: Incident | undefined;
  onClose: () => void;
  onDone: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string) => translate(`incidents.review.${key}`);
  const locale = useLocale();
  const { message } = App.useApp();
  const [form] = Form.useForm<ReviewValues>();
  const review = incident?.review;
  // The rule's messages are Chinese; in English the field's label says what is missing.
  const ruleFor = (field: string) => ({
    validator: () => {
      const values = form.getFieldsValue();
      const problem = reviewProblems({
        impact: values.impact,
        affectedShare: values.affectedShare ?? undefined,
        rootCause: values.rootCause,
        actions: actionsFromText(values.actions),
      }).find((p) => p.field === field);
      if (!problem) return Promise.resolve();
      return Promise.reject(new Error(locale === "zh-CN" ? problem.zh : `${t(field)}: required`));
    },
  });
  return (
    <FormDialog<ReviewValues>
      open={incident !== undefined}
      onClose={onClose}
      form={form}
      width={640}
      title={t("title")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={{
        impact: review?.impact ?? "",
        affectedShare: review?.affectedShare,
        rootCause: review?.rootCause ?? "",
        actions: (review?.actions ?? []).join("\n"),
      }}
      autoFocusField="impact"
      okTestId="incident-review-save"
      onSubmit={async (values) => {
        if (!incident) return;
        await incidentApi.close(incident, {
          impact: values.impact.trim(),
          affectedShare: values.affectedShare,
          rootCause: values.rootCause.trim(),
          actions: actionsFromText(values.actions),
        });
        message.success(t("done"));
        await onDone();
      }}
    >
      <Form.Item name="impact" label={t("impact")} rules={[ruleFor("impact"), { max: 4000 }]}>
        <Input.TextArea rows={2} data-testid="review-impact" />
      </Form.Item>
      <Form.Item name="affectedShare" label={t("affectedShare")} rules={[ruleFor("affectedShare")]}>
        <InputNumber min={0} max={1} step={0.01} style={{ width: 200 }} data-testid="review-share" />
      </Form.Item>
      <Form.Item name="rootCause" label={t("rootCause")} rules={[ruleFor("rootCause"), { max: 4000 }]}>
        <Input.TextArea rows={2} data-testid="review-root-cause" />
      </Form.Item>
      <Form.Item name="actions" label={t("actions")} rules={[ruleFor("actions"), { max: 4000 }]}>
        <Input.TextArea rows={3} data-testid="review-actions" />
      </Form.Item>
    </FormDialog>
  );
}

type DeadlineValues = { deadlines: Record<Grade, GradeDeadlines> };

/** The tenant's deadline table, validated with the server's rule (deadlineProblems) as it is typed. */
export function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const translate = useTranslate();
  const t = (key: string) => translate(`incidents.settingsDialog.${key}`);
  const locale = useLocale();
  const { message } = App.useApp();
  const [form] = Form.useForm<DeadlineValues>();
  const settings = useQuery({ queryKey: ["data", "incident-settings"], queryFn: incidentApi.settings, enabled: open });
  const deadlines = Form.useWatch("deadlines", form);
  const problems = deadlines && GRADES.every((g) => deadlines[g]) ? deadlineProblems(deadlines) : [];
  return (
    <FormDialog<DeadlineValues>
      open={open && settings.data !== undefined}
      onClose={onClose}
      form={form}
      width={560}
      title={t("title")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={{ deadlines: settings.data?.deadlines ?? DEFAULT_DEADLINES }}
      okTestId="incident-settings-save"
      onSubmit={async (values) => {
        if (!settings.data) return;
        await incidentApi.saveSettings(settings.data, values.deadlines);
        message.success(t("saved"));
        await settings.refetch();
      }}
    >
      <Typography.Paragraph type="secondary">{t("hint")}</Typography.Paragraph>
      <Table
        size="small"
        pagination={false}
        rowKey={(g) => g}
        dataSource={[...GRADES]}
        columns={[
          { title: translate("incidents.stats.grade"), render: (_, g: Grade) => translate(`incidents.grades.${g}`) },
          ...(["respondMinutes", "fixMinutes"] as const).map((field) => ({
            title: t(field),
            key: field,
            render: (_: unknown, g: Grade) => (
              <Form.Item name={["deadlines", g, field]} noStyle rules={[{ required: true }]}>
                <InputNumber min={1} max={43_200} precision={0} data-testid={`deadline-${g}-${field}`} />
              </Form.Item>
            ),
          })),
        ]}
      />
      {problems.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="deadline-problems"
          message={problems.map((p, i) => (
            <div key={i}>{locale === "zh-CN" ? p.zh : p.message}</div>
          ))}
        />
      )}
      <Button
        type="link"
        style={{ paddingInline: 0, marginTop: 8 }}
        onClick={() => form.setFieldsValue({ deadlines: DEFAULT_DEADLINES })}
      >
        {t("reset")}
      </Button>
    </FormDialog>
  );
}
