import { SearchOutlined, UndoOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Button, DatePicker, Form, Input, Select, Space } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { type ReactNode, useEffect } from "react";
import { DISPLAY_TIME_ZONE } from "../../time";
import { fromIso, toIso, WALL_CLOCK } from "./auditTime";
import { AUDIT_RESULTS, AUDIT_ROLES, type AuditFilter, cleanFilter } from "./auditEvent";

/** What the form holds: the filter's text fields, and the time range as picker values. */
interface FormValues extends Omit<AuditFilter, "from" | "to"> {
  range?: [Dayjs | null, Dayjs | null] | null;
}

function toValues(filter: AuditFilter): FormValues {
  const { from, to, ...rest } = filter;
  return { ...rest, range: from || to ? [fromIso(from), fromIso(to)] : null };
}

function toFilter(values: FormValues): AuditFilter {
  const { range, ...rest } = values;
  return cleanFilter({ ...rest, from: toIso(range?.[0]), to: toIso(range?.[1]) });
}

/** Beijing "now", as the picker's wall-clock value. */
const beijingNow = () => dayjs(dayjs().tz(DISPLAY_TIME_ZONE).format(WALL_CLOCK));

/**
 * The search form of the auditor's workspace. It shows `filter` (the address bar's) and hands a new one to
 * `onSearch`; the page puts it into the address, so a search can be bookmarked, shared and reloaded.
 */
export function AuditSearchForm({
  filter,
  onSearch,
  extra,
}: {
  filter: AuditFilter;
  onSearch: (filter: AuditFilter) => void;
  extra?: ReactNode;
}) {
  const translate = useTranslate();
  const [form] = Form.useForm<FormValues>();
  const t = (key: string) => translate(`audit.search.${key}`);
  const filterKey = JSON.stringify(filter);

  // The address changed (back button, a saved search applied): the form follows it.
  useEffect(() => {
    form.resetFields();
    // antd's RecursivePartial does not accept Dayjs (a class with methods); the values are exactly FormValues.
    form.setFieldsValue(toValues(JSON.parse(filterKey) as AuditFilter) as Parameters<typeof form.setFieldsValue>[0]);
  }, [filterKey, form]);

  const presets = [
    { label: t("last1h"), value: () => [beijingNow().subtract(1, "hour"), beijingNow()] },
    { label: t("last24h"), value: () => [beijingNow().subtract(1, "day"), beijingNow()] },
    { label: t("last7d"), value: () => [beijingNow().subtract(7, "day").startOf("day"), beijingNow()] },
    { label: t("last30d"), value: () => [beijingNow().subtract(30, "day").startOf("day"), beijingNow()] },
  ].map(({ label, value }) => ({ label, value: value() as [Dayjs, Dayjs] }));

  return (
    <Form<FormValues>
      form={form}
      layout="inline"
      onFinish={(values) => onSearch(toFilter(values))}
      style={{ rowGap: 8, marginBottom: 16 }}
      data-testid="audit-filters"
    >
      <Form.Item name="range">
        <DatePicker.RangePicker
          showTime={{ format: "HH:mm" }}
          format="YYYY-MM-DD HH:mm"
          allowEmpty={[true, true]}
          presets={presets}
          placeholder={[t("from"), t("to")]}
          style={{ width: 320 }}
          data-testid="audit-range"
        />
      </Form.Item>
      <Form.Item name="actor">
        <Input allowClear placeholder={t("actor")} maxLength={80} style={{ width: 170 }} data-testid="audit-actor" />
      </Form.Item>
      <Form.Item name="role">
        <Select
          allowClear
          placeholder={t("roleAll")}
          style={{ width: 180 }}
          data-testid="audit-role"
          options={AUDIT_ROLES.map((role) => ({ value: role, label: translate(`roles.${role}`) }))}
        />
      </Form.Item>
      <Form.Item name="action">
        <Input allowClear placeholder={t("action")} maxLength={80} style={{ width: 190 }} data-testid="audit-action" />
      </Form.Item>
      <Form.Item name="targetType">
        <Input allowClear placeholder={t("targetType")} maxLength={80} style={{ width: 130 }} />
      </Form.Item>
      <Form.Item name="targetId">
        <Input allowClear placeholder={t("targetId")} maxLength={200} style={{ width: 170 }} />
      </Form.Item>
      <Form.Item name="result">
        <Select
          allowClear
          placeholder={t("resultAll")}
          style={{ width: 120 }}
          data-testid="audit-result"
          options={AUDIT_RESULTS.map((result) => ({ value: result, label: translate(`audit.results.${result}`) }))}
        />
      </Form.Item>
      <Form.Item name="ip">
        <Input
          allowClear
          placeholder={t("ip")}
          title={t("ipHint")}
          maxLength={64}
          style={{ width: 150 }}
          data-testid="audit-ip"
        />
      </Form.Item>
      <Form.Item>
        <Space wrap>
          <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="audit-search-submit">
            {t("submit")}
          </Button>
          <Button icon={<UndoOutlined />} onClick={() => onSearch({})} data-testid="audit-search-reset">
            {t("reset")}
          </Button>
          {extra}
        </Space>
      </Form.Item>
    </Form>
  );
}
