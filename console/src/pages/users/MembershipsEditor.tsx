import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { Alert, Button, Checkbox, Flex, Input, InputNumber, Select, Table, TreeSelect, Typography } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import type { MembershipInput } from "./userApi";
import { type OrgDirectory, useOrgDirectory } from "./orgDirectory";

/** A membership being edited; the department may still be unchosen. */
export type MembershipDraft = Omit<MembershipInput, "departmentId"> & { key: string; departmentId?: string };

let nextKey = 0;
export const draftOf = (m: MembershipInput): MembershipDraft => ({ ...m, key: `m${nextKey++}` });

/** What the editor's rows need before they can be saved: a department each, no department twice. */
export function membershipProblem(drafts: MembershipDraft[]): "departmentRequired" | "duplicate" | null {
  if (drafts.some((d) => !d.departmentId)) return "departmentRequired";
  const ids = drafts.map((d) => d.departmentId);
  return new Set(ids).size === ids.length ? null : "duplicate";
}

export function toInputs(drafts: MembershipDraft[]): MembershipInput[] {
  return drafts.flatMap(({ key: _key, departmentId, ...rest }) =>
    departmentId ? [{ departmentId, ...rest, title: rest.title?.trim() || null }] : [],
  );
}

/** Keeps exactly one primary per dimension: the chosen one, else the first of its dimension. */
function withPrimaries(
  drafts: MembershipDraft[],
  directory: OrgDirectory | undefined,
  chosen?: string,
): MembershipDraft[] {
  const dimensionOf = (d: MembershipDraft) =>
    (d.departmentId && directory?.departments.get(d.departmentId)?.dimensionId) || "?";
  const primaryOf = new Map<string, string>();
  const chosenDraft = drafts.find((d) => d.key === chosen);
  if (chosenDraft) primaryOf.set(dimensionOf(chosenDraft), chosenDraft.key);
  for (const d of drafts) if (d.isPrimary && !primaryOf.has(dimensionOf(d))) primaryOf.set(dimensionOf(d), d.key);
  for (const d of drafts) if (!primaryOf.has(dimensionOf(d))) primaryOf.set(dimensionOf(d), d.key);
  return drafts.map((d) => ({ ...d, isPrimary: primaryOf.get(dimensionOf(d)) === d.key }));
}

/**
 * Department memberships: department (picked from GET /departments/tree), primary flag, post, title, order.
 * One primary per dimension is kept automatically; the server enforces the same rule.
 */
export function MembershipsEditor({
  value,
  onChange,
}: {
  value: MembershipDraft[];
  onChange: (next: MembershipDraft[]) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const directory = useOrgDirectory();
  const t = (key: string) => translate(`people.memberships.${key}`);
  const update = (key: string, patch: Partial<MembershipDraft>, chosen?: string) =>
    onChange(
      withPrimaries(
        value.map((d) => (d.key === key ? { ...d, ...patch } : d)),
        directory.data,
        chosen,
      ),
    );
  const problem = membershipProblem(value);

  return (
    <Flex vertical gap={8} data-testid="memberships-editor">
      {directory.error && (
        <Alert type="error" showIcon message={t("treeFailed")} description={errorText(directory.error)} />
      )}
      <Table<MembershipDraft>
        rowKey="key"
        size="small"
        pagination={false}
        dataSource={value}
        locale={{ emptyText: t("none") }}
        columns={[
          {
            title: t("department"),
            dataIndex: "departmentId",
            render: (departmentId: string | undefined, row) => (
              <TreeSelect
                style={{ width: 240 }}
                value={departmentId || undefined}
                treeData={directory.data?.tree}
                loading={directory.isLoading}
                showSearch
                treeNodeFilterProp="title"
                treeDefaultExpandAll
                placeholder={t("departmentRequired")}
                status={departmentId ? undefined : "warning"}
                onChange={(next: string) => update(row.key, { departmentId: next })}
                popupMatchSelectWidth={320}
                data-testid="membership-department"
              />
            ),
          },
          {
            title: t("primary"),
            dataIndex: "isPrimary",
            width: 70,
            render: (isPrimary: boolean | undefined, row) => (
              <Checkbox
                checked={Boolean(isPrimary)}
                onChange={(e) => e.target.checked && update(row.key, {}, row.key)}
                aria-label={t("primary")}
              />
            ),
          },
          {
            title: t("post"),
            dataIndex: "postId",
            render: (postId: string | null | undefined, row) => (
              <Select
                style={{ width: 140 }}
                allowClear
                value={postId ?? undefined}
                placeholder={t("postPlaceholder")}
                options={directory.data?.posts.map((p) => ({ value: p.id, label: p.name }))}
                onChange={(next: string | undefined) => update(row.key, { postId: next ?? null })}
              />
            ),
          },
          {
            title: t("title_"),
            dataIndex: "title",
            render: (title: string | null | undefined, row) => (
              <Input
                style={{ width: 130 }}
                value={title ?? ""}
                maxLength={100}
                placeholder={t("titlePlaceholder")}
                onChange={(e) => update(row.key, { title: e.target.value })}
              />
            ),
          },
          {
            title: t("sortOrder"),
            dataIndex: "sortOrder",
            width: 90,
            render: (sortOrder: number | undefined, row) => (
              <InputNumber
                style={{ width: 80 }}
                precision={0}
                min={-1_000_000}
                max={1_000_000}
                value={sortOrder ?? 0}
                onChange={(next) => update(row.key, { sortOrder: next ?? 0 })}
              />
            ),
          },
          {
            key: "remove",
            width: 48,
            render: (_: unknown, row) => (
              <Button
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t("remove")}
                onClick={() =>
                  onChange(
                    withPrimaries(
                      value.filter((d) => d.key !== row.key),
                      directory.data,
                    ),
                  )
                }
              />
            ),
          },
        ]}
      />
      <Flex justify="space-between" align="center">
        <Button
          type="dashed"
          icon={<PlusOutlined />}
          onClick={() => onChange(withPrimaries([...value, draftOf({ departmentId: "" })], directory.data))}
          data-testid="membership-add"
        >
          {t("add")}
        </Button>
        <Typography.Text type={problem ? "danger" : "secondary"} style={{ fontSize: 12 }}>
          {problem ? t(problem) : t("primaryHint")}
        </Typography.Text>
      </Flex>
    </Flex>
  );
}
