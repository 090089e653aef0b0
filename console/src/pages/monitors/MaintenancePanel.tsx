import { PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import {
  App,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Switch,
  Table,
  Tag,
  TimePicker,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { type HTMLAttributes, useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { RowEditDelete } from "../../components/RowEditDelete";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { useLocale } from "../../i18n/localeStore";
import { allApps, allMonitors, maintenanceApi, type MaintenanceWindowView } from "./monitorApi";
import {
  DEFAULT_TIME_ZONE,
  FREQUENCIES,
  fromSchedule,
  isoToWall,
  nextOccurrences,
  type ScheduleFields,
  scheduleText,
  TIME_ZONES,
  toSchedule,
  WALL,
} from "./maintenanceModel";

const PAGE_SIZE = 20;

/** The form: the schedule's fields with antd's pickers (wall-clock values, read in `timeZone`). */
interface WindowForm {
  name: string;
  description?: string;
  enabled: boolean;
  kind: ScheduleFields["kind"];
  timeZone: string;
  range?: [Dayjs, Dayjs] | null;
  frequency?: ScheduleFields["frequency"];
  weekdays?: number[];
  monthDays?: number[];
  startTime?: Dayjs | null;
  durationMinutes?: number | null;
  validRange?: [Dayjs | null, Dayjs | null] | null;
  monitorIds?: string[];
  appIds?: string[];
}

const wall = (d: Dayjs | null | undefined) => (d ? d.format(WALL) : undefined);
const parseWall = (s: string | undefined) => (s ? dayjs(s, WALL) : null);

function fieldsOf(v: Partial<WindowForm>): ScheduleFields {
  return {
    kind: v.kind ?? "once",
    timeZone: v.timeZone ?? DEFAULT_TIME_ZONE,
    start: wall(v.range?.[0]),
    end: wall(v.range?.[1]),
    frequency: v.frequency,
    weekdays: v.weekdays,
    monthDays: v.monthDays,
    startTime: v.startTime ? v.startTime.format("HH:mm") : undefined,
    durationMinutes: v.durationMinutes ?? null,
    from: wall(v.validRange?.[0]),
    until: wall(v.validRange?.[1]),
  };
}

function formOf(w: MaintenanceWindowView): WindowForm {
  const f = fromSchedule(w.schedule);
  const start = parseWall(f.start);
  const end = parseWall(f.end);
  const from = parseWall(f.from);
  const until = parseWall(f.until);
  return {
    name: w.name,
    description: w.description,
    enabled: w.enabled,
    kind: f.kind,
    timeZone: f.timeZone,
    range: start && end ? [start, end] : null,
    frequency: f.frequency ?? "daily",
    weekdays: f.weekdays ?? [],
    monthDays: f.monthDays ?? [],
    startTime: f.startTime ? dayjs(f.startTime, "HH:mm") : null,
    durationMinutes: f.durationMinutes ?? 60,
    validRange: from || until ? [from, until] : null,
    monitorIds: w.monitorIds,
    appIds: w.appIds,
  };
}

const NEW_WINDOW: Partial<WindowForm> = {
  enabled: true,
  kind: "recurring",
  timeZone: DEFAULT_TIME_ZONE,
  frequency: "weekly",
  weekdays: [6],
  monthDays: [],
  startTime: dayjs("22:00", "HH:mm"),
  durationMinutes: 120,
  monitorIds: [],
  appIds: [],
};

const rowHooks = (w: MaintenanceWindowView): HTMLAttributes<HTMLElement> =>
  ({ "data-testid": "maintenance-row", "data-name": w.name }) as HTMLAttributes<HTMLElement>;

/** 维护窗口: one-off and recurring windows, what they cover, and their next occurrences. */
export function MaintenancePanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.maintenance.${key}`, values);
  const locale = useLocale();
  const separator = locale === "zh-CN" ? "、" : ", ";
  const can = useCan();
  const { message } = App.useApp();
  const [form] = Form.useForm<WindowForm>();
  const watched = Form.useWatch([], form) as Partial<WindowForm> | undefined;
  const [page, setPage] = useState(1);
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<{ window?: MaintenanceWindowView }>();
  const [error, setError] = useState<unknown>();
  const windows = useQuery({
    queryKey: ["data", "maintenance-windows", "list", q, page],
    queryFn: () => maintenanceApi.list(page, PAGE_SIZE, q),
    placeholderData: (previous) => previous,
  });
  const monitors = useQuery({ queryKey: ["monitors", "monitors", "all"], queryFn: allMonitors });
  const apps = useQuery({ queryKey: ["monitors", "apps", "all"], queryFn: allApps, retry: false });
  const monitorName = (id: string) => monitors.data?.find((m) => m.id === id)?.name ?? id.slice(0, 8);
  const appName = (id: string) => apps.data?.find((a) => a.id === id)?.name ?? id.slice(0, 8);
  const confirm = useConfirmedAction(setError, () => windows.refetch());

  const save = async (values: WindowForm) => {
    const body = {
      name: values.name.trim(),
      description: values.description ?? "",
      enabled: values.enabled,
      monitorIds: values.monitorIds ?? [],
      appIds: values.appIds ?? [],
      schedule: toSchedule(fieldsOf(values)),
    };
    const current = editing?.window;
    try {
      if (current) await maintenanceApi.update(current, body);
      else await maintenanceApi.create(body);
      message.success(translate(current ? "monitors.common.saved" : "monitors.common.created"));
    } finally {
      void windows.refetch();
    }
  };

  const kind = watched?.kind ?? editing?.window?.schedule.kind ?? "recurring";
  const frequency = watched?.frequency;
  const preview = watched && editing ? nextOccurrences(toSchedule(fieldsOf(watched)), new Date(), 5) : [];
  const previewZone = watched?.timeZone ?? DEFAULT_TIME_ZONE;
  const required = [{ required: true, message: translate("monitors.form.required") }];
  const current = editing?.window;

  return (
    <>
      <ProblemAlert error={error ?? windows.error} onClose={() => setError(undefined)} testId="maintenance-problem" />
      <Card
        styles={{ body: { padding: 0 } }}
        title={
          <Input.Search
            allowClear
            placeholder={translate("monitors.list.search")}
            style={{ width: 220 }}
            onSearch={(value) => {
              setQ(value);
              setPage(1);
            }}
          />
        }
        extra={
          can("create", "Monitor") && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setEditing({})}
              data-testid="maintenance-create"
            >
              {t("create")}
            </Button>
          )
        }
      >
        <Table<MaintenanceWindowView>
          rowKey="id"
          size="middle"
          loading={windows.isFetching && !windows.data}
          dataSource={windows.data?.rows ?? []}
          locale={{ emptyText: t("empty") }}
          onRow={rowHooks}
          scroll={{ x: "max-content" }}
          pagination={withTotal(
            {
              current: page,
              pageSize: PAGE_SIZE,
              total: windows.data?.total ?? 0,
              showSizeChanger: false,
              onChange: setPage,
            },
            (total) => translate("monitors.common.total", { total }),
          )}
          columns={[
            {
              title: t("name"),
              dataIndex: "name",
              render: (name: string, w) => (
                <>
                  <Typography.Text strong>{name}</Typography.Text>
                  {!w.enabled && <Tag style={{ marginInlineStart: 8 }}>{translate("monitors.states.paused")}</Tag>}
                  {w.description && (
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {w.description}
                      </Typography.Text>
                    </div>
                  )}
                </>
              ),
            },
            { title: t("kind"), key: "kind", render: (_, w) => t(`kinds.${w.schedule.kind}`) },
            {
              title: t("schedule"),
              key: "schedule",
              render: (_, w) => (
                <span data-testid="maintenance-schedule">{scheduleText(w.schedule, t, separator)}</span>
              ),
            },
            {
              title: t("scope"),
              key: "scope",
              render: (_, w) => (
                <>
                  {w.appIds.map((id) => (
                    <Tag key={id} color="blue">
                      {appName(id)}
                    </Tag>
                  ))}
                  {w.monitorIds.map((id) => (
                    <Tag key={id}>{monitorName(id)}</Tag>
                  ))}
                </>
              ),
            },
            {
              title: t("preview"),
              key: "next",
              render: (_, w) => {
                const next = w.enabled ? nextOccurrences(w.schedule, new Date(), 1)[0] : undefined;
                const zone =
                  w.schedule.kind === "recurring" ? (w.schedule.timeZone ?? DEFAULT_TIME_ZONE) : DEFAULT_TIME_ZONE;
                return next ? isoToWall(next.start, zone) : "—";
              },
            },
            {
              title: translate("monitors.common.actions"),
              key: "actions",
              render: (_, w) => (
                <RowEditDelete
                  onEdit={can("update", "Monitor") ? () => setEditing({ window: w }) : undefined}
                  onDelete={
                    can("delete", "Monitor")
                      ? () =>
                          confirm({
                            title: t("deleteTitle", { name: w.name }),
                            danger: true,
                            run: () => maintenanceApi.remove(w),
                            success: translate("monitors.common.deleted"),
                          })
                      : undefined
                  }
                  editLabel={translate("monitors.common.edit")}
                  deleteLabel={translate("monitors.common.delete")}
                  editTestId="maintenance-edit"
                />
              ),
            },
          ]}
        />
      </Card>
      <FormDialog<WindowForm>
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        onSubmit={save}
        form={form}
        width={720}
        title={current ? t("editTitle", { name: current.name }) : t("createTitle")}
        okText={translate("monitors.common.save")}
        cancelText={translate("monitors.common.cancel")}
        okTestId="maintenance-save"
        autoFocusField="name"
        initialValues={current ? formOf(current) : NEW_WINDOW}
      >
        <Row gutter={16}>
          <Col span={16}>
            <Form.Item name="name" label={t("name")} rules={required}>
              <Input maxLength={100} data-testid="maintenance-name" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="enabled" label={t("enabled")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="description" label={t("description")}>
          <Input maxLength={500} />
        </Form.Item>
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="kind" label={t("kind")}>
              <Radio.Group
                optionType="button"
                data-testid="maintenance-kind"
                options={(["once", "recurring"] as const).map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="timeZone" label={t("timeZone")}>
              <Select showSearch options={TIME_ZONES.map((z) => ({ value: z, label: z }))} />
            </Form.Item>
          </Col>
        </Row>
        {kind === "once" ? (
          <Form.Item name="range" label={`${t("start")} – ${t("end")}`} rules={required}>
            <DatePicker.RangePicker showTime={{ format: "HH:mm" }} format={WALL} data-testid="maintenance-range" />
          </Form.Item>
        ) : (
          <>
            <Row gutter={16}>
              <Col span={8}>
                <Form.Item name="frequency" label={t("frequency")}>
                  <Select
                    data-testid="maintenance-frequency"
                    options={FREQUENCIES.map((f) => ({ value: f, label: t(`frequencies.${f}`) }))}
                  />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="startTime" label={t("startTime")} rules={required}>
                  <TimePicker format="HH:mm" minuteStep={5} needConfirm={false} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="durationMinutes" label={t("duration")} rules={required}>
                  <InputNumber min={1} max={10_080} style={{ width: "100%" }} data-testid="maintenance-duration" />
                </Form.Item>
              </Col>
            </Row>
            {frequency === "weekly" && (
              <Form.Item name="weekdays" label={t("weekdays")} rules={required}>
                <Checkbox.Group
                  data-testid="maintenance-weekdays"
                  options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: t(`weekdayNames.d${d}`) }))}
                />
              </Form.Item>
            )}
            {frequency === "monthly" && (
              <Form.Item name="monthDays" label={t("monthDays")} help={t("monthDaysHelp")} rules={required}>
                <Select
                  mode="multiple"
                  options={Array.from({ length: 31 }, (_, i) => ({ value: i + 1, label: String(i + 1) }))}
                />
              </Form.Item>
            )}
            <Form.Item name="validRange" label={t("validRange")}>
              <DatePicker.RangePicker showTime={{ format: "HH:mm" }} format={WALL} allowEmpty={[true, true]} />
            </Form.Item>
          </>
        )}
        <Form.Item label={t("scope")} help={t("scopeHelp")} style={{ marginBottom: 0 }}>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="monitorIds" label={t("monitors")}>
                <Select
                  mode="multiple"
                  optionFilterProp="label"
                  loading={monitors.isFetching}
                  data-testid="maintenance-monitors"
                  options={(monitors.data ?? []).map((m) => ({ value: m.id, label: m.name }))}
                />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="appIds" label={t("apps")}>
                <Select
                  mode="multiple"
                  optionFilterProp="label"
                  data-testid="maintenance-apps"
                  options={(apps.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
                />
              </Form.Item>
            </Col>
          </Row>
        </Form.Item>
        <div data-testid="maintenance-preview" data-count={preview.length} style={{ marginTop: 16 }}>
          <Typography.Text strong>{t("preview")}</Typography.Text>
          {preview.length === 0 ? (
            <div>
              <Typography.Text type="secondary">{t("previewEmpty")}</Typography.Text>
            </div>
          ) : (
            <ul style={{ margin: "4px 0 0", paddingInlineStart: 18 }}>
              {preview.map((o) => (
                <li key={o.start} data-testid="maintenance-occurrence">
                  {isoToWall(o.start, previewZone)} – {isoToWall(o.end, previewZone)}
                  {previewZone !== DEFAULT_TIME_ZONE ? ` (${previewZone})` : ""}
                </li>
              ))}
            </ul>
          )}
        </div>
      </FormDialog>
    </>
  );
}
