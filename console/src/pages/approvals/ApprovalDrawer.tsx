import { subject as asSubject } from "@casl/ability";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Descriptions, Drawer, Form, Input, Space, Spin, Tag, Typography } from "antd";
import { useState } from "react";
import { apiRequest } from "../../api/http";
import type { Approval } from "../../components/authz/authzApi";
import { PayloadView } from "../../components/authz/PayloadView";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { APPROVAL_COLORS } from "./ApprovalList";
import { ApprovalPerson } from "./ApprovalPerson";

type Decision = "approve" | "reject" | "cancel";

/**
 * One proposal: what it would change (the payload, readable), who proposed it, and — while pending — the
 * buttons the caller's rules allow: approve or reject for an admin of another role than the proposer's,
 * cancel for the proposer. The server decides again on every button.
 */
export function ApprovalDrawer({ id, onClose, onDecided }: { id: string; onClose: () => void; onDecided: () => void }) {
  const translate = useTranslate();
  const session = useSession();
  const { message } = App.useApp();
  const [deciding, setDeciding] = useState<Decision | undefined>();
  const [form] = Form.useForm<{ reason?: string }>();
  const query = useQuery({
    queryKey: ["approvals", id],
    queryFn: () => apiRequest<Approval>(`/approvals/${encodeURIComponent(id)}`).then((r) => r.data),
    retry: false,
  });
  const approval = query.data;

  const pending = approval?.status === "pending";
  const mayDecide = pending && Boolean(session?.ability.can("update", asSubject("Approval", { ...approval })));
  const mayCancel = pending && approval?.proposedBy === session?.user.id;

  const decide = async (decision: Decision, reason: string | undefined) => {
    try {
      const { data } = await apiRequest<Approval>(`/approvals/${encodeURIComponent(id)}/${decision}`, {
        method: "POST",
        // Withdrawing takes no body; approving may carry a reason, rejecting must.
        body: decision === "cancel" ? undefined : reason ? { reason } : {},
      });
      // An approved change that can no longer be carried out (e.g. the department is gone) ends as failed.
      if (data?.status === "failed")
        message.warning(translate("authz.approvals.failed", { reason: data.reason ?? "" }));
      else message.success(translate(`authz.approvals.done.${decision}`));
    } finally {
      // Also after a refusal: someone else may have decided meanwhile (409), and the drawer should say so.
      void query.refetch();
      onDecided();
    }
  };

  return (
    <Drawer
      open
      width={720}
      onClose={onClose}
      title={
        approval
          ? translate(`authz.approvalActions.${approval.action}`, approval.action)
          : translate("authz.approvals.detail")
      }
      data-testid="approval-drawer"
      extra={
        approval && (
          <Space>
            {mayCancel && (
              <Button onClick={() => setDeciding("cancel")} data-testid="approval-cancel">
                {translate("authz.approvals.cancel")}
              </Button>
            )}
            {mayDecide && (
              <>
                <Button danger onClick={() => setDeciding("reject")} data-testid="approval-reject">
                  {translate("authz.approvals.reject")}
                </Button>
                <Button type="primary" onClick={() => setDeciding("approve")} data-testid="approval-approve">
                  {translate("authz.approvals.approve")}
                </Button>
              </>
            )}
          </Space>
        )
      }
    >
      <ProblemAlert error={query.error} />
      {query.isLoading && <Spin style={{ display: "block", margin: "48px auto" }} />}
      {approval && (
        <>
          <Descriptions size="small" column={2} style={{ marginBottom: 16 }} data-testid="approval-meta">
            <Descriptions.Item label={translate("authz.approvals.statusLabel")}>
              <Tag
                color={APPROVAL_COLORS[approval.status]}
                data-testid="approval-status-tag"
                data-status={approval.status}
              >
                {translate(`authz.approvals.status.${approval.status}`)}
              </Tag>
            </Descriptions.Item>
            <Descriptions.Item label={translate("authz.approvals.proposer")}>
              <ApprovalPerson
                displayName={approval.proposerDisplayName}
                username={approval.proposerName}
                role={approval.proposerRole}
                testId="approval-proposer"
              />
            </Descriptions.Item>
            <Descriptions.Item label={translate("authz.approvals.proposedAt")}>
              {formatBeijingTime(approval.createdAt)}
            </Descriptions.Item>
            <Descriptions.Item label={translate("authz.approvals.expiresAt")}>
              {formatBeijingTime(approval.expiresAt)}
            </Descriptions.Item>
            {/* A withdrawn or expired proposal has a time but no second admin: no empty "decided by". */}
            {approval.deciderName && (
              <Descriptions.Item label={translate("authz.approvals.decider")}>
                <ApprovalPerson
                  displayName={approval.deciderDisplayName ?? approval.deciderName}
                  username={approval.deciderName}
                  role={approval.deciderRole ?? ""}
                  testId="approval-decider"
                />
              </Descriptions.Item>
            )}
            {approval.decidedAt && (
              <Descriptions.Item label={translate("authz.approvals.decidedAt")}>
                {formatBeijingTime(approval.decidedAt)}
              </Descriptions.Item>
            )}
            {approval.reason && (
              <Descriptions.Item label={translate("authz.approvals.reason")} span={2}>
                {approval.reason}
              </Descriptions.Item>
            )}
          </Descriptions>
          {approval.summary && <Typography.Paragraph>{approval.summary}</Typography.Paragraph>}
          <Typography.Title level={5}>{translate("authz.approvals.payload")}</Typography.Title>
          <PayloadView payload={approval.payload} references={approval.references} />
          {pending && !mayDecide && !mayCancel && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
              {translate("authz.approvals.otherRole")}
            </Typography.Paragraph>
          )}
        </>
      )}
      <FormDialog<{ reason?: string }>
        open={deciding !== undefined}
        onClose={() => setDeciding(undefined)}
        onSubmit={(values) => (deciding ? decide(deciding, values.reason?.trim()) : Promise.resolve())}
        form={form}
        title={deciding ? translate(`authz.approvals.confirm.${deciding}`) : ""}
        okText={translate("authz.common.submit")}
        cancelText={translate("authz.common.cancel")}
        okTestId="decision-ok"
        danger={deciding === "reject"}
      >
        {deciding !== "cancel" && (
          <Form.Item
            name="reason"
            label={translate("authz.approvals.reason")}
            rules={[
              { required: deciding === "reject", whitespace: true, message: translate("authz.validation.reason") },
              { max: 500 },
            ]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount data-testid="decision-reason" />
          </Form.Item>
        )}
      </FormDialog>
    </Drawer>
  );
}
