import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Descriptions, Drawer, Input, Space, Spin, Tag, Timeline, Typography } from "antd";
import { useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { formatBeijingTime } from "../../time";
import { DeadlineTag, useNow } from "./DeadlineTag";
import { type IncidentDetail, type IncidentEvent, incidentApi } from "./incidentApi";
import { GRADE_COLOR, STATE_COLOR, type Transition, transitionsFrom } from "./incidentModel";
import { ContactList, ContactsDialog } from "./ContactsEditor";
import { RegradeDialog, ReviewDialog } from "./IncidentDialogs";

const TARGET_STATE = {
  acknowledge: "acknowledged",
  mitigate: "mitigated",
  resolve: "resolved",
  reopen: "acknowledged",
} as const;

/**
 * One incident: its times and deadlines, the lifecycle buttons the rules allow from its state, regrading,
 * closing with the review, a comment box and the timeline (every change and comment, newest last).
 */
export function IncidentDrawer({
  id,
  onClose,
  onChanged,
}: {
  id: string | undefined;
  onClose: () => void;
  onChanged: () => unknown;
}) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`incidents.detail.${key}`, values);
  const { message } = App.useApp();
  const can = useCan();
  const now = useNow();
  const [error, setError] = useState<unknown>();
  const [comment, setComment] = useState("");
  const [sending, setSending] = useState(false);
  const [regrading, setRegrading] = useState<IncidentDetail>();
  const [closing, setClosing] = useState<IncidentDetail>();
  const [editingContacts, setEditingContacts] = useState<IncidentDetail>();
  const detail = useQuery({
    queryKey: ["data", "incidents", "detail", id],
    queryFn: () => incidentApi.get(id as string),
    enabled: id !== undefined,
  });
  const incident = detail.data;
  const refresh = async () => {
    onChanged();
    await detail.refetch();
  };
  const confirm = useConfirmedAction(setError, refresh);
  const mayUpdate = can("update", "Incident");

  const run = (action: Transition) => {
    if (!incident) return;
    if (action === "close") {
      setClosing(incident);
      return;
    }
    const state = translate(`incidents.states.${TARGET_STATE[action]}`);
    confirm({
      title: translate("incidents.transitions.confirm", { number: incident.number, state }),
      run: () => incidentApi.transition(incident, action),
      success: translate("incidents.transitions.done", { state }),
    });
  };

  const sendComment = async () => {
    if (!incident || !comment.trim()) return;
    setSending(true);
    setError(undefined);
    try {
      await incidentApi.comment(incident, comment.trim());
      setComment("");
      message.success(t("commented"));
      await detail.refetch();
    } catch (caught) {
      setError(caught);
    } finally {
      setSending(false);
    }
  };

  return (
    <Drawer
      open={id !== undefined}
      onClose={onClose}
      width={720}
      destroyOnHidden
      title={incident ? t("title", { number: incident.number }) : ""}
      extra={
        incident && (
          <Space>
            <Tag color={GRADE_COLOR[incident.grade]} data-testid="incident-detail-grade">
              {translate(`incidents.grades.${incident.grade}`)}
            </Tag>
            <Tag color={STATE_COLOR[incident.state]} data-testid="incident-detail-state" data-state={incident.state}>
              {translate(`incidents.states.${incident.state}`)}
            </Tag>
          </Space>
        )
      }
    >
      <div data-testid="incident-drawer">
        <ProblemAlert error={error ?? detail.error} onClose={() => setError(undefined)} testId="incident-problem" />
        {!incident ? (
          <Spin />
        ) : (
          <>
            <Typography.Title level={5} style={{ marginTop: 0 }}>
              {incident.title}
            </Typography.Title>
            {mayUpdate && (
              <Space wrap style={{ marginBottom: 16 }}>
                {transitionsFrom(incident.state).map((action) => (
                  <Button
                    key={action}
                    type={action === "close" || action === "acknowledge" ? "primary" : "default"}
                    onClick={() => run(action)}
                    data-testid={`incident-${action}`}
                  >
                    {translate(`incidents.transitions.${action}`)}
                  </Button>
                ))}
                {incident.state !== "closed" && (
                  <Button onClick={() => setRegrading(incident)} data-testid="incident-regrade">
                    {t("regrade")}
                  </Button>
                )}
                {incident.state !== "closed" && (
                  <Button onClick={() => setEditingContacts(incident)} data-testid="incident-edit-contacts">
                    {translate("incidents.contacts.edit")}
                  </Button>
                )}
              </Space>
            )}
            <Descriptions size="small" column={2} bordered>
              <Descriptions.Item label={t("openedAt")}>{formatBeijingTime(incident.openedAt)}</Descriptions.Item>
              <Descriptions.Item label={t("acknowledgedAt")}>
                {formatBeijingTime(incident.acknowledgedAt)}
              </Descriptions.Item>
              <Descriptions.Item label={t("respondBy")}>
                <DeadlineTag
                  deadline={incident.respondBy}
                  doneAt={incident.acknowledgedAt ?? incident.resolvedAt}
                  breach={incident.respond}
                  now={now}
                  testId="incident-detail-respond"
                />
              </Descriptions.Item>
              <Descriptions.Item label={t("fixBy")}>
                <DeadlineTag
                  deadline={incident.fixBy}
                  doneAt={incident.resolvedAt}
                  breach={incident.fix}
                  now={now}
                  testId="incident-detail-fix"
                />
              </Descriptions.Item>
              <Descriptions.Item label={t("mitigatedAt")}>{formatBeijingTime(incident.mitigatedAt)}</Descriptions.Item>
              <Descriptions.Item label={t("resolvedAt")}>{formatBeijingTime(incident.resolvedAt)}</Descriptions.Item>
              <Descriptions.Item label={t("closedAt")}>{formatBeijingTime(incident.closedAt)}</Descriptions.Item>
              <Descriptions.Item label={t("alert")}>
                {incident.alertId ? <Typography.Text code>{incident.alertId.slice(0, 8)}</Typography.Text> : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={translate("incidents.contacts.title")} span={2}>
                <ContactList incident={incident} />
              </Descriptions.Item>
              {incident.description ? (
                <Descriptions.Item label={t("description")} span={2}>
                  <Typography.Text style={{ whiteSpace: "pre-line" }}>{incident.description}</Typography.Text>
                </Descriptions.Item>
              ) : null}
              {incident.review && (
                <Descriptions.Item label={t("review")} span={2}>
                  <div data-testid="incident-review">
                    <div>
                      {translate("incidents.review.impact")}: {incident.review.impact}
                    </div>
                    <div>
                      {translate("incidents.review.affectedShare")}: {incident.review.affectedShare}
                    </div>
                    <div>
                      {translate("incidents.review.rootCause")}: {incident.review.rootCause}
                    </div>
                    <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                      {(incident.review.actions ?? []).map((a, i) => (
                        <li key={i}>{a}</li>
                      ))}
                    </ul>
                  </div>
                </Descriptions.Item>
              )}
            </Descriptions>
            <Typography.Title level={5} style={{ marginTop: 20 }}>
              {t("timeline")}
            </Typography.Title>
            {mayUpdate && incident.state !== "closed" && (
              <Space.Compact style={{ width: "100%", marginBottom: 16 }}>
                <Input.TextArea
                  value={comment}
                  onChange={(e) => setComment(e.target.value)}
                  maxLength={4000}
                  autoSize={{ minRows: 1, maxRows: 4 }}
                  placeholder={t("commentPlaceholder")}
                  aria-label={t("comment")}
                  data-testid="incident-comment"
                />
                <Button
                  type="primary"
                  loading={sending}
                  disabled={!comment.trim()}
                  onClick={() => void sendComment()}
                  data-testid="incident-comment-send"
                >
                  {t("send")}
                </Button>
              </Space.Compact>
            )}
            <Timeline
              data-testid="incident-timeline"
              items={
                incident.timeline.length === 0
                  ? [{ children: t("noEvents") }]
                  : incident.timeline.map((event) => ({
                      color: eventColor(event),
                      children: <EventLine event={event} />,
                    }))
              }
            />
          </>
        )}
      </div>
      <RegradeDialog incident={regrading} onClose={() => setRegrading(undefined)} onDone={refresh} />
      <ReviewDialog incident={closing} onClose={() => setClosing(undefined)} onDone={refresh} />
      <ContactsDialog incident={editingContacts} onClose={() => setEditingContacts(undefined)} onDone={refresh} />
    </Drawer>
  );
}

function eventColor(event: IncidentEvent): string {
  if (event.kind === "breach" || event.kind === "escalated") return "red";
  if (event.kind === "resolved" || event.kind === "closed") return "green";
  if (event.kind === "comment") return "gray";
  return "blue";
}

function EventLine({ event }: { event: IncidentEvent }) {
  const translate = useTranslate();
  const kind = translate(`incidents.events.${event.kind}`);
  // A breach names its deadline (respond or fix) in `to` or in its detail.
  const which = event.to ?? (typeof event.detail?.kind === "string" ? event.detail.kind : null);
  const change =
    event.kind === "regraded" && event.from && event.to
      ? `${event.from} → ${event.to}`
      : event.kind === "breach" && (which === "respond" || which === "fix")
        ? translate(`incidents.list.${which}`)
        : "";
  return (
    <div data-testid="incident-event" data-kind={event.kind}>
      <Typography.Text strong>{kind}</Typography.Text>
      {change && <Typography.Text style={{ marginInlineStart: 8 }}>{change}</Typography.Text>}
      <Typography.Text type="secondary" style={{ marginInlineStart: 8, fontSize: 12 }}>
        {formatBeijingTime(event.at)} · {event.actorName ?? translate("incidents.detail.system")}
      </Typography.Text>
      {event.note && (
        <div>
          <Typography.Text style={{ whiteSpace: "pre-line" }}>{event.note}</Typography.Text>
        </div>
      )}
    </div>
  );
}
