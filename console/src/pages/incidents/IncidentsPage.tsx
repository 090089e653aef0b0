import { PlusOutlined, ReloadOutlined, SettingOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Col, Input, Row, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { useSearchParams } from "react-router";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";
import { DeadlineTag, useNow } from "./DeadlineTag";
import { type Incident, type IncidentFilter, incidentApi } from "./incidentApi";
import { CreateIncidentDialog, SettingsDialog } from "./IncidentDialogs";
import { IncidentDrawer } from "./IncidentDrawer";
import { GRADE_COLOR, type Grade, GRADES, STATE_COLOR, STATES } from "./incidentModel";
import { IncidentStats } from "./IncidentStats";

const PAGE_SIZE = 20;
// The board refreshes itself: the leader job marks breaches and alerts open incidents meanwhile.
const REFRESH_MS = 15_000;

/**
 * 事件 (sysadmin): the incident board by state — the active ones (open, acknowledged, mitigated) first — with
 * grade tags, live deadline countdowns and breach marks; a drawer with the timeline and the lifecycle; opening
 * by hand; MTTA/MTTR/on-time statistics per grade; the tenant's deadline table.
 */
export function IncidentsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`incidents.list.${key}`, values);
  const can = useCan();
  const now = useNow();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<NonNullable<IncidentFilter["state"]> | "all">("active");
  const [grade, setGrade] = useState<Grade>();
  const [q, setQ] = useState("");
  const [creating, setCreating] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  // ?incident=<id> opens that incident's drawer (links from alerts and messages).
  const [params, setParams] = useSearchParams();
  const selected = params.get("incident") ?? undefined;
  const setSelected = (id: string | undefined) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (id) next.set("incident", id);
        else next.delete("incident");
        return next;
      },
      { replace: true },
    );
  const filter: IncidentFilter = {
    ...(state === "all" ? {} : { state }),
    ...(grade ? { grade } : {}),
    ...(q.trim() ? { q: q.trim() } : {}),
  };
  const incidents = useQuery({
    queryKey: ["data", "incidents", "list", filter, page],
    queryFn: () => incidentApi.list(page, PAGE_SIZE, filter),
    placeholderData: (previous) => previous,
    refetchInterval: REFRESH_MS,
  });
  const queryClient = useQueryClient();
  // A change refreshes the board, the statistics and the open drawer together.
  const refetchAll = () => {
    void queryClient.invalidateQueries({ queryKey: ["data", "incidents"] });
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        <Space>
          {can("update", "Incident") && (
            <Button icon={<SettingOutlined />} onClick={() => setSettingsOpen(true)} data-testid="incident-settings">
              {t("settings")}
            </Button>
          )}
          {can("create", "Incident") && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setCreating(true)}
              data-testid="incident-create"
            >
              {t("create")}
            </Button>
          )}
        </Space>
      }
    >
      <ProblemAlert error={incidents.error} testId="incidents-problem" />
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card
            title={t("title")}
            styles={{ body: { padding: 0 } }}
            extra={
              <Space wrap>
                <Segmented
                  size="small"
                  value={state}
                  data-testid="incident-state-filter"
                  onChange={(value) => {
                    setState(value as typeof state);
                    setPage(1);
                  }}
                  options={[
                    { value: "active", label: translate("incidents.filters.active") },
                    ...STATES.map((s) => ({ value: s, label: translate(`incidents.states.${s}`) })),
                    { value: "all", label: translate("incidents.filters.all") },
                  ]}
                />
                <Select
                  size="small"
                  allowClear
                  style={{ width: 130 }}
                  value={grade}
                  placeholder={translate("incidents.filters.anyGrade")}
                  onChange={(value?: Grade) => {
                    setGrade(value);
                    setPage(1);
                  }}
                  options={GRADES.map((g) => ({ value: g, label: translate(`incidents.gradesShort.${g}`) }))}
                />
                <Input.Search
                  allowClear
                  size="small"
                  style={{ width: 180 }}
                  maxLength={100}
                  placeholder={translate("incidents.filters.search")}
                  onSearch={(value) => {
                    setQ(value);
                    setPage(1);
                  }}
                  data-testid="incident-search"
                />
                <Tooltip title={translate("incidents.filters.refresh")}>
                  <Button size="small" type="text" icon={<ReloadOutlined />} onClick={refetchAll} />
                </Tooltip>
              </Space>
            }
          >
            <Table<Incident>
              rowKey="id"
              size="middle"
              loading={incidents.isFetching && !incidents.data}
              dataSource={incidents.data?.rows ?? []}
              locale={{ emptyText: t("empty") }}
              scroll={{ x: "max-content" }}
              onRow={(incident) => ({ ...rowHooks(incident), onClick: () => setSelected(incident.id) })}
              pagination={withTotal(
                {
                  current: page,
                  pageSize: PAGE_SIZE,
                  total: incidents.data?.total ?? 0,
                  showSizeChanger: false,
                  onChange: setPage,
                },
                (total) => t("total", { total }),
              )}
              columns={[
                {
                  title: t("number"),
                  dataIndex: "number",
                  render: (number: string) => <Typography.Text code>{number}</Typography.Text>,
                },
                {
                  title: t("incidentTitle"),
                  dataIndex: "title",
                  render: (title: string, incident) => (
                    <Space size={4}>
                      <Typography.Link>{title}</Typography.Link>
                      {(incident.respond.breached || incident.fix.breached) && (
                        <Tag color="red" data-testid="incident-breached">
                          {t("breached")}
                        </Tag>
                      )}
                      {incident.escalationLevel > 0 && (
                        <Tag color="magenta">{t("escalated", { level: incident.escalationLevel })}</Tag>
                      )}
                    </Space>
                  ),
                },
                {
                  title: t("grade"),
                  dataIndex: "grade",
                  render: (g: Grade) => (
                    <Tag color={GRADE_COLOR[g]} data-testid="incident-grade-tag">
                      {translate(`incidents.gradesShort.${g}`)}
                    </Tag>
                  ),
                },
                {
                  title: t("state"),
                  dataIndex: "state",
                  render: (s: Incident["state"]) => (
                    <Tag color={STATE_COLOR[s]} data-testid="incident-state-tag" data-state={s}>
                      {translate(`incidents.states.${s}`)}
                    </Tag>
                  ),
                },
                { title: t("openedAt"), dataIndex: "openedAt", render: (iso: string) => formatBeijingTime(iso) },
                {
                  title: t("respond"),
                  key: "respond",
                  render: (_, i) => (
                    <DeadlineTag
                      deadline={i.respondBy}
                      doneAt={i.acknowledgedAt ?? i.resolvedAt}
                      breach={i.respond}
                      now={now}
                      testId="incident-respond"
                    />
                  ),
                },
                {
                  title: t("fix"),
                  key: "fix",
                  render: (_, i) => (
                    <DeadlineTag
                      deadline={i.fixBy}
                      doneAt={i.resolvedAt}
                      breach={i.fix}
                      now={now}
                      testId="incident-fix"
                    />
                  ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col span={24}>
          <IncidentStats />
        </Col>
      </Row>
      <CreateIncidentDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={async (created) => {
          refetchAll();
          setSelected(created.id);
        }}
      />
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} />
      <IncidentDrawer id={selected} onClose={() => setSelected(undefined)} onChanged={refetchAll} />
    </PageContainer>
  );
}

function rowHooks(incident: Incident): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = {
    "data-testid": "incident-row",
    "data-number": incident.number,
    "data-state": incident.state,
    style: { cursor: "pointer" },
  };
  return hooks as HTMLAttributes<HTMLElement>;
}
