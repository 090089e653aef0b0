import { buttonTestId } from "../../components/org/testIds";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Space, Spin, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { apiRequest } from "../../api/http";
import { isPendingApproval, type Policy, policyOps, type PolicyVersion } from "../../components/authz/authzApi";
import { DiffPanel } from "../../components/authz/DiffPanel";
import { usePendingNotice } from "../../components/authz/PendingNotice";
import { SimulatorPanel } from "../../components/authz/SimulatorPanel";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { formatBeijingTime } from "../../time";
import { VersionEditor } from "./VersionEditor";

export const VERSION_COLORS: Record<PolicyVersion["status"], string> = {
  draft: "blue",
  published: "green",
  superseded: "default",
};

/** The version to open first: the newest draft, else the one in force, else the newest. */
function initialVersion(versions: PolicyVersion[]): number | undefined {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  return (sorted.find((v) => v.status === "draft") ?? sorted.find((v) => v.status === "published") ?? sorted[0])
    ?.version;
}

/** One policy: its versions (draft → published → superseded), with publish and restore, and the editor. */
export function PolicyWorkspace({ policyId, onChanged }: { policyId: string; onChanged: () => void }) {
  const translate = useTranslate();
  const can = useCan();
  const { message, modal } = App.useApp();
  const announcePending = usePendingNotice();
  const [chosen, setChosen] = useState<number | undefined>();
  const [error, setError] = useState<unknown>();
  const policy = useQuery({
    queryKey: ["policies", policyId],
    queryFn: () => apiRequest<Policy>(`/policies/${encodeURIComponent(policyId)}`).then((r) => r.data),
    retry: false,
  });
  const versions = useQuery({
    queryKey: ["policies", policyId, "versions"],
    queryFn: () => policyOps.versions(policyId),
    retry: false,
  });
  const selected = chosen ?? initialVersion(versions.data ?? []);
  const selectedRow = versions.data?.find((v) => v.version === selected);
  const document = useQuery({
    queryKey: ["policies", policyId, "versions", selected],
    queryFn: () => policyOps.version(policyId, selected as number),
    enabled: selected !== undefined,
    retry: false,
  });

  const refresh = async () => {
    await Promise.all([policy.refetch(), versions.refetch()]);
    onChanged();
  };

  const change = (kind: "publish" | "restore", version: number) =>
    modal.confirm({
      title: translate(`authz.policies.confirm.${kind}`, { version }),
      content: translate(`authz.policies.confirm.${kind}Hint`),
      okButtonProps: buttonTestId("confirm-ok"),
      onOk: async () => {
        setError(undefined);
        try {
          const data = await (kind === "publish" ? policyOps.publish : policyOps.restore)(policyId, version);
          if (isPendingApproval(data)) announcePending(data);
          else if (kind === "restore") {
            // A restore copies the old document into a new draft, which is then reviewed and published.
            const draft = (data as Partial<PolicyVersion>).version;
            message.success(translate("authz.policies.done.restore", { version, draft: draft ?? "" }));
            if (typeof draft === "number") setChosen(draft);
          } else message.success(translate("authz.policies.done.publish", { version }));
        } catch (caught) {
          setError(caught);
        }
        await refresh();
      },
    });

  const mayChange = can("update", "Policy");

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="policy-workspace">
      <ProblemAlert error={error ?? policy.error ?? versions.error} onClose={() => setError(undefined)} />
      <Card
        title={
          <Space>
            <span data-testid="policy-title">{policy.data?.name}</span>
            {policy.data?.publishedVersion ? (
              <Tag color="green">
                {translate("authz.policies.inForceVersion", { version: policy.data.publishedVersion })}
              </Tag>
            ) : (
              policy.data && <Tag>{translate("authz.policies.unpublished")}</Tag>
            )}
          </Space>
        }
        size="small"
      >
        {policy.data?.description && (
          <Typography.Paragraph type="secondary">{policy.data.description}</Typography.Paragraph>
        )}
        {versions.isLoading && <Spin />}
        <Table<PolicyVersion>
          size="small"
          rowKey="version"
          data-testid="version-table"
          dataSource={[...(versions.data ?? [])].sort((a, b) => b.version - a.version)}
          pagination={{ pageSize: 5, hideOnSinglePage: true, size: "small" }}
          rowClassName={(row) => (row.version === selected ? "ant-table-row-selected" : "")}
          onRow={(row) =>
            ({
              "data-testid": "version-row",
              "data-version": row.version,
              "data-status": row.status,
              style: { cursor: "pointer" },
              onClick: () => setChosen(row.version),
            }) as object
          }
          columns={[
            {
              dataIndex: "version",
              title: translate("authz.versions.version"),
              width: 80,
              render: (v: number) => `v${v}`,
            },
            {
              dataIndex: "status",
              title: translate("authz.versions.status"),
              width: 110,
              render: (status: PolicyVersion["status"]) => (
                <Tag color={VERSION_COLORS[status]}>{translate(`authz.versions.statuses.${status}`)}</Tag>
              ),
            },
            {
              key: "created",
              title: translate("authz.versions.created"),
              render: (_, row) => `${formatBeijingTime(row.createdAt)} ${row.createdByName ?? ""}`,
            },
            {
              key: "published",
              title: translate("authz.versions.published"),
              render: (_, row) =>
                row.publishedAt ? `${formatBeijingTime(row.publishedAt)} ${row.publishedByName ?? ""}` : "",
            },
            {
              key: "actions",
              title: translate("authz.common.actions"),
              render: (_, row) =>
                mayChange && (
                  <span onClick={(event) => event.stopPropagation()}>
                    {row.status === "draft" && (
                      <Button
                        size="small"
                        type="primary"
                        onClick={() => change("publish", row.version)}
                        data-testid="version-publish"
                      >
                        {translate("authz.versions.publish")}
                      </Button>
                    )}
                    {row.status === "superseded" && (
                      <Button size="small" onClick={() => change("restore", row.version)} data-testid="version-restore">
                        {translate("authz.versions.restore")}
                      </Button>
                    )}
                  </span>
                ),
            },
          ]}
        />
      </Card>
      {selected !== undefined && document.isLoading && <Spin />}
      {selected !== undefined && document.data && (
        <Card size="small" title={translate("authz.editor.title", { version: selected })}>
          <Tabs
            items={[
              {
                key: "editor",
                label: translate("authz.editor.tab"),
                children: (
                  <VersionEditor
                    key={`${policyId}:${selected}`}
                    policyId={policyId}
                    document={document.data.document}
                    status={selectedRow?.status}
                    readOnly={!mayChange}
                    onSaved={async (created) => {
                      await refresh();
                      setChosen(created.version);
                    }}
                  />
                ),
              },
              {
                key: "simulator",
                label: translate("authz.simulator.tab"),
                children: (
                  <SimulatorPanel
                    key={`${policyId}:${selected}`}
                    draft={selectedRow?.status === "published" ? undefined : { policyId, version: selected }}
                    suggestions={namesIn(document.data.document)}
                  />
                ),
              },
              {
                key: "diff",
                label: translate("authz.diff.tab"),
                children: <DiffPanel key={`${policyId}:${selected}`} policyId={policyId} version={selected} />,
              },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}

/** Actions and resource types named in a document, offered first by the simulator. */
function namesIn(document: unknown): { actions: string[]; resources: string[] } {
  const rules = (document as { rules?: unknown } | undefined)?.rules;
  const actions = new Set<string>();
  const resources = new Set<string>();
  if (Array.isArray(rules)) {
    for (const rule of rules as { actions?: unknown; resource?: unknown }[]) {
      if (Array.isArray(rule?.actions)) for (const a of rule.actions) if (typeof a === "string") actions.add(a);
      if (typeof rule?.resource === "string") resources.add(rule.resource);
    }
  }
  return { actions: [...actions], resources: [...resources] };
}
