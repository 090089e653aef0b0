import {
  DeleteOutlined,
  DownloadOutlined,
  EditOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  ReloadOutlined,
  ThunderboltOutlined,
} from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import {
  App,
  Breadcrumb,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Empty,
  Row,
  Segmented,
  Space,
  Spin,
  Statistic,
  Table,
  Tag,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { type HTMLAttributes, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { OneTimeSecret } from "../../components/org/OneTimeSecret";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { buttonTestId } from "../../components/org/testIds";
import { useCan } from "../../components/org/useCan";
import { ResourceGuard } from "../../components/ResourceGuard";
import { downloadBlob } from "../../components/download";
import { withTotal } from "../../components/tablePagination";
import { useErrorText } from "../../hooks/useErrorText";
import { findResource } from "../../resources";
import { DISPLAY_TIME_ZONE, formatBeijingTime } from "../../time";
import { NotFoundPage } from "../errors/NotFoundPage";
import { DependenciesCard } from "./DependenciesCard";
import { WALL, wallToIso } from "./maintenanceModel";
import { allApps, type Monitor, monitorApi, type MonitorResult } from "./monitorApi";
import { displayState, minutesText, percent, periodRange, SLA_PERIODS, type SlaPeriod, targetOf } from "./monitorModel";
import { MonitorFormDialog } from "./MonitorFormDialog";
import { StateTag, useReasonText } from "./StateTag";
import { useMonitorActions } from "./useMonitorActions";

const RESULTS_PAGE = 20;

/** What a picker shows is read as Beijing wall-clock time, like every time the console shows. */
const beijing = (d: Dayjs) => wallToIso(d.format(WALL), DISPLAY_TIME_ZONE) ?? d.toISOString();

/** Whole Beijing days from `first` to `last`, up to now at most (minutes to come would count as unknown). */
function dayRange(first: Dayjs, last: Dayjs): { from: string; to: string } {
  const from = beijing(first.startOf("day"));
  const end = Date.parse(beijing(last.startOf("day").add(1, "day")));
  return { from, to: new Date(Math.min(end, Date.now())).toISOString() };
}
const resultRow = (r: MonitorResult): HTMLAttributes<HTMLElement> =>
  ({ "data-testid": "result-row", "data-state": r.state }) as HTMLAttributes<HTMLElement>;

/** /system/monitors/:id, guarded like the monitors list it is opened from. */
export function MonitorDetailRoute() {
  const monitors = findResource("monitors");
  return monitors ? (
    <ResourceGuard resource={monitors}>
      <MonitorDetailPage />
    </ResourceGuard>
  ) : (
    <NotFoundPage />
  );
}

/**
 * One monitor: its state and definition, the SLA of a calendar period, its dependencies, and its raw
 * results for a time range (paginated, exportable as CSV or XLSX).
 */
export function MonitorDetailPage() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.detail.${key}`, values);
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const can = useCan();
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState(false);
  const [pushToken, setPushToken] = useState<{ url: string; token: string }>();
  const { modal } = App.useApp();
  const monitor = useQuery({
    queryKey: ["data", "monitors", "one", id],
    queryFn: () => monitorApi.get(id),
    refetchInterval: 15_000,
    retry: false,
  });
  const apps = useQuery({ queryKey: ["monitors", "apps", "all"], queryFn: allApps, retry: false });
  const actions = useMonitorActions({
    setError,
    onChanged: () => monitor.refetch(),
    onDeleted: () => void navigate("/system/monitors"),
  });
  const m = monitor.data;
  const resource = findResource("monitors");

  const header = (
    <Breadcrumb
      style={{ marginBottom: 12 }}
      items={[
        { title: translate("workspaces.sysadmin") },
        {
          title: (
            <Link to="/system/monitors">{resource ? translate(`resources.${resource.name}.title`) : t("back")}</Link>
          ),
        },
        { title: m?.name ?? "…" },
      ]}
    />
  );

  if (monitor.isLoading) return <Spin style={{ display: "block", margin: 48 }} />;
  if (!m) {
    return (
      <div data-testid="page-monitor">
        {header}
        <ProblemAlert error={monitor.error} />
        <Empty description={t("notFound")} />
      </div>
    );
  }

  const state = displayState(m);
  const appName = apps.data?.find((a) => a.id === m.definition.appId)?.name;
  return (
    <div data-testid="page-monitor" data-monitor={m.id}>
      {header}
      <div
        style={{
          display: "flex",
          justifyContent: "space-between",
          alignItems: "flex-start",
          gap: 16,
          flexWrap: "wrap",
        }}
      >
        <Space align="center" size={12} style={{ marginBottom: 16 }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {m.name}
          </Typography.Title>
          <StateTag state={state} testId="monitor-detail-state" />
          {m.status && (
            <Typography.Text type="secondary">
              {t("since", { time: formatBeijingTime(m.status.since) })}
            </Typography.Text>
          )}
        </Space>
        <Space wrap>
          <Button
            icon={<ReloadOutlined />}
            onClick={() => void monitor.refetch()}
            aria-label={translate("monitors.common.refresh")}
          />
          {can("update", "Monitor") && (
            <>
              <Button
                icon={<ThunderboltOutlined />}
                onClick={() => void actions.testNow(m)}
                data-testid="monitor-detail-test"
              >
                {translate("monitors.list.testNow")}
              </Button>
              {m.paused ? (
                <Button
                  icon={<PlayCircleOutlined />}
                  onClick={() => void actions.setPaused(m, false)}
                  data-testid="monitor-resume"
                >
                  {translate("monitors.list.resume")}
                </Button>
              ) : (
                <Button
                  icon={<PauseCircleOutlined />}
                  onClick={() => void actions.setPaused(m, true)}
                  data-testid="monitor-pause"
                >
                  {translate("monitors.list.pause")}
                </Button>
              )}
              <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="monitor-edit">
                {translate("monitors.common.edit")}
              </Button>
            </>
          )}
          {can("delete", "Monitor") && (
            <Button danger icon={<DeleteOutlined />} onClick={() => actions.remove(m)} data-testid="monitor-delete">
              {translate("monitors.common.delete")}
            </Button>
          )}
        </Space>
      </div>
      <ProblemAlert error={error} onClose={() => setError(undefined)} testId="monitor-problem" />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={10}>
          <Card title={t("overview")} size="small">
            <Overview
              monitor={m}
              appName={appName}
              onRotate={
                can("update", "Monitor")
                  ? () =>
                      modal.confirm({
                        title: t("pushRotateConfirm"),
                        okButtonProps: buttonTestId("confirm-ok"),
                        onOk: async () => {
                          setError(undefined);
                          try {
                            const out = await monitorApi.rotatePushToken(m);
                            setPushToken({ url: `${window.location.origin}${out.path}`, token: out.token });
                          } catch (caught) {
                            setError(caught);
                          }
                          void monitor.refetch();
                        },
                      })
                  : undefined
              }
            />
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <SlaCard monitorId={m.id} />
        </Col>
        <Col span={24}>
          <DependenciesCard monitor={m} />
        </Col>
        <Col span={24}>
          <ResultsCard monitor={m} />
        </Col>
      </Row>
      <MonitorFormDialog
        open={editing}
        editing={m}
        onClose={() => setEditing(false)}
        onSaved={() => void monitor.refetch()}
      />
      {actions.modal}
      {pushToken && (
        <OneTimeSecret
          title={t("pushTokenTitle")}
          rows={[
            { label: t("pushUrl"), secret: pushToken.url },
            { label: t("pushToken"), secret: pushToken.token },
          ]}
          onClose={() => setPushToken(undefined)}
        />
      )}
    </div>
  );
}

function Overview({
  monitor: m,
  appName,
  onRotate,
}: {
  monitor: Monitor;
  appName: string | undefined;
  onRotate: (() => void) | undefined;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.detail.${key}`, values);
  const reasonText = useReasonText();
  const tags = Array.isArray(m.definition.tags) ? (m.definition.tags as string[]) : [];
  const pushUrl = `${window.location.origin}/api/v1/push/${m.id}`;
  return (
    <Descriptions column={1} size="small">
      <Descriptions.Item label={translate("monitors.list.type")}>
        {translate(`monitors.types.${m.type}`)}
      </Descriptions.Item>
      {m.type === "push" ? (
        <Descriptions.Item label={t("pushUrl")}>
          <Typography.Text copyable code data-testid="monitor-push-url">
            {pushUrl}
          </Typography.Text>
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("pushHow")}
            </Typography.Text>
          </div>
          {onRotate && (
            <Button size="small" onClick={onRotate} data-testid="monitor-push-rotate" style={{ marginTop: 4 }}>
              {t("pushRotate")}
            </Button>
          )}
        </Descriptions.Item>
      ) : (
        <Descriptions.Item label={translate("monitors.list.target")}>
          <Typography.Text code style={{ wordBreak: "break-all" }}>
            {targetOf(m)}
          </Typography.Text>
        </Descriptions.Item>
      )}
      <Descriptions.Item label={t("interval")}>
        {t("intervalValue", { seconds: Number(m.definition.intervalSeconds) })}
      </Descriptions.Item>
      <Descriptions.Item label={translate("monitors.list.app")}>{appName ?? "—"}</Descriptions.Item>
      <Descriptions.Item label={translate("monitors.list.tags")}>
        {tags.length ? tags.map((tag) => <Tag key={tag}>{tag}</Tag>) : "—"}
      </Descriptions.Item>
      <Descriptions.Item label={t("lastResult")}>
        {m.status?.lastResultAt ? (
          <span data-testid="monitor-last-result">
            {formatBeijingTime(m.status.lastResultAt)} · {reasonText(m.status.lastReason)}
            {m.status.lastLatencyMs !== null && ` · ${m.status.lastLatencyMs} ${translate("monitors.common.ms")}`}
          </span>
        ) : (
          "—"
        )}
      </Descriptions.Item>
      <Descriptions.Item label={t("createdAt")}>{formatBeijingTime(m.createdAt)}</Descriptions.Item>
      <Descriptions.Item label={t("updatedAt")}>{formatBeijingTime(m.updatedAt)}</Descriptions.Item>
    </Descriptions>
  );
}

function SlaCard({ monitorId }: { monitorId: string }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.detail.${key}`, values);
  const [period, setPeriod] = useState<SlaPeriod | "custom">("month");
  const [custom, setCustom] = useState<[Dayjs, Dayjs] | null>(null);
  const range =
    period !== "custom"
      ? periodRange(period)
      : // Up to now at most: minutes still to come would count as unknown.
        custom && dayRange(custom[0], custom[1]);
  const sla = useQuery({
    queryKey: ["data", "monitors", "sla", monitorId, period, custom?.[0].valueOf(), custom?.[1].valueOf()],
    queryFn: () => monitorApi.sla(monitorId, range ?? periodRange("day")),
    enabled: range !== null,
    placeholderData: (previous) => previous,
    refetchInterval: period === "custom" ? false : 60_000,
  });
  const units = { h: translate("monitors.common.h"), min: translate("monitors.common.min") };
  const r = sla.data;
  const met = r && r.availability !== null ? r.availability >= r.target : undefined;
  return (
    <Card
      size="small"
      title={t("sla")}
      data-testid="monitor-sla"
      extra={
        <Space wrap>
          {period === "custom" && (
            <DatePicker.RangePicker
              size="small"
              value={custom}
              disabledDate={(d) => d.isAfter(dayjs().endOf("day"))}
              onChange={(value) => setCustom(value && value[0] && value[1] ? [value[0], value[1]] : null)}
              data-testid="monitor-sla-range"
            />
          )}
          <Segmented<SlaPeriod | "custom">
            size="small"
            value={period}
            onChange={setPeriod}
            options={[
              ...SLA_PERIODS.map((p) => ({ value: p, label: t(`periods.${p}`) })),
              { value: "custom" as const, label: t("periods.custom") },
            ]}
            data-testid="monitor-sla-period"
          />
        </Space>
      }
    >
      <ProblemAlert error={sla.error} />
      {r && (
        <>
          <Row gutter={16}>
            <Col span={8}>
              <Statistic
                title={`${t("availability")} (${t("slaTarget", { target: percent(r.target, 1) })})`}
                value={percent(r.availability)}
                valueStyle={{ color: met === undefined ? undefined : met ? "#389e0d" : "#cf1322" }}
              />
            </Col>
            <Col span={8}>
              <Statistic title={t("budgetRemaining")} value={minutesText(r.budgetRemainingMinutes, units)} />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("budget")} {minutesText(r.errorBudgetMinutes, units)} · {percent(r.budgetRemainingRatio, 1)}
              </Typography.Text>
            </Col>
            <Col span={8}>
              <Statistic title={t("outages")} value={r.outages.length} />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("longest")} {minutesText(r.longestOutageMinutes, units)}
              </Typography.Text>
            </Col>
          </Row>
          <Descriptions size="small" column={2} style={{ marginTop: 12 }}>
            <Descriptions.Item label={t("eligible")}>{minutesText(r.eligibleMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("upTime")}>{minutesText(r.upMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("downTime")}>{minutesText(r.downMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("degradedTime")}>{minutesText(r.degradedMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("unknownTime")}>{minutesText(r.unknownMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("maintenanceTime")}>
              {minutesText(r.maintenanceMinutes, units)}
            </Descriptions.Item>
            <Descriptions.Item label={t("mttr")}>{minutesText(r.mttrMinutes, units)}</Descriptions.Item>
            <Descriptions.Item label={t("mtbf")}>{minutesText(r.mtbfMinutes, units)}</Descriptions.Item>
          </Descriptions>
          {r.outages.length > 0 && (
            <Table
              size="small"
              rowKey="start"
              pagination={r.outages.length > 5 ? { pageSize: 5, size: "small" } : false}
              dataSource={r.outages}
              columns={[
                { title: t("start"), dataIndex: "start", render: (iso: string) => formatBeijingTime(iso) },
                { title: t("end"), dataIndex: "end", render: (iso: string) => formatBeijingTime(iso) },
                { title: t("minutes"), dataIndex: "minutes", render: (v: number) => minutesText(v, units) },
              ]}
            />
          )}
        </>
      )}
    </Card>
  );
}

function ResultsCard({ monitor }: { monitor: Monitor }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.detail.${key}`, values);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const reasonText = useReasonText();
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [page, setPage] = useState(1);
  const [exporting, setExporting] = useState<"csv" | "xlsx">();
  // Without a chosen range: the last 24 hours up to now, so new results appear on refresh.
  const currentRange = () =>
    range
      ? { from: beijing(range[0]), to: beijing(range[1]) }
      : { from: dayjs().subtract(24, "hour").toISOString(), to: dayjs().add(1, "minute").toISOString() };
  const results = useQuery({
    queryKey: ["data", "monitors", "results", monitor.id, range?.[0].valueOf(), range?.[1].valueOf(), page],
    queryFn: () => monitorApi.results(monitor.id, currentRange(), page, RESULTS_PAGE),
    placeholderData: (previous) => previous,
    refetchInterval: range ? false : 15_000,
  });

  const exportAs = async (format: "csv" | "xlsx") => {
    setExporting(format);
    try {
      const { blob, filename } = await monitorApi.exportResults(monitor.id, currentRange(), format);
      downloadBlob(filename, blob);
    } catch (error) {
      message.error(`${t("exportFailed")}: ${errorText(error)}`);
    } finally {
      setExporting(undefined);
    }
  };

  return (
    <Card
      size="small"
      title={t("results")}
      data-testid="monitor-results"
      styles={{ body: { padding: 0 } }}
      extra={
        <Space wrap>
          <DatePicker.RangePicker
            size="small"
            showTime={{ format: "HH:mm" }}
            format="YYYY-MM-DD HH:mm"
            value={range}
            onChange={(value) => {
              setRange(value && value[0] && value[1] ? [value[0], value[1]] : null);
              setPage(1);
            }}
          />
          <Button
            size="small"
            icon={<DownloadOutlined />}
            loading={exporting === "csv"}
            onClick={() => void exportAs("csv")}
            data-testid="results-export-csv"
          >
            CSV
          </Button>
          <Button
            size="small"
            icon={<DownloadOutlined />}
            loading={exporting === "xlsx"}
            onClick={() => void exportAs("xlsx")}
            data-testid="results-export-xlsx"
          >
            XLSX
          </Button>
        </Space>
      }
    >
      <ProblemAlert error={results.error} />
      <Table<MonitorResult>
        rowKey={(r) => `${r.at}-${r.reason}`}
        size="small"
        loading={results.isFetching && !results.data}
        dataSource={results.data?.rows ?? []}
        onRow={resultRow}
        data-testid="result-table"
        scroll={{ x: "max-content" }}
        pagination={withTotal(
          {
            current: page,
            pageSize: RESULTS_PAGE,
            total: results.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
            size: "small",
          },
          (total) => translate("monitors.common.total", { total }),
        )}
        columns={[
          { title: t("at"), dataIndex: "at", render: (iso: string) => formatBeijingTime(iso) },
          {
            title: translate("monitors.list.state"),
            dataIndex: "state",
            render: (state: MonitorResult["state"]) => <StateTag state={state} />,
          },
          {
            title: translate("monitors.list.latency"),
            dataIndex: "latencyMs",
            align: "right",
            render: (ms: number) => `${ms} ${translate("monitors.common.ms")}`,
          },
          { title: translate("monitors.test.reason"), dataIndex: "reason", render: (r: string) => reasonText(r) },
          // The stored message is the probe's English text; for "ok" it only repeats the reason.
          {
            title: t("message"),
            dataIndex: "message",
            ellipsis: true,
            render: (text: string, r) => (r.reason === "ok" ? "" : text),
          },
        ]}
      />
    </Card>
  );
}
